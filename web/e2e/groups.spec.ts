import { expect, test, type Locator, type Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectErrors } from './console';
import { noisyGradientPng } from './png';
import { resultsDir } from './server';
import { newUser, refocus, registerVerified, signIn } from './users';

async function shot(page: Page, name: string, target?: Locator): Promise<void> {
  const path = join(resultsDir, `${name}.png`);
  await (target
    ? target.screenshot({ path, animations: 'disabled' })
    : page.screenshot({ path, animations: 'disabled' }));
}

async function createGroup(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New group' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New group' });
  await dialog.getByLabel('Group name').fill(name);
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/g\/[0-9a-f-]+$/);
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

test('two users: invite, accept, grant a right, remove — both screens agree', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);

  const ctxA = await browser.newContext({ baseURL });
  const ctxB = await browser.newContext({ baseURL });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  const errorsA = collectErrors(a);
  const errorsB = collectErrors(b);
  await Promise.all([signIn(a, alice), signIn(b, bob)]);

  const groupName = `Trail crew ${alice.username.slice(-4)}`;

  await test.step('A creates groups', async () => {
    await shot(a, 'groups-empty');
    await createGroup(a, 'Book club');
    await createGroup(a, groupName);
    const sidebar = a.getByRole('navigation', { name: 'Groups' });
    await expect(sidebar.getByRole('link', { name: new RegExp(groupName) })).toHaveAttribute('aria-current', 'page');
    await expect(sidebar.getByRole('link')).toHaveCount(2);
    await shot(a, 'groups-sidebar');
  });

  await test.step('A finds B by part of the name and invites', async () => {
    await a.getByRole('button', { name: 'Add people' }).click();
    const dialog = a.getByRole('dialog', { name: 'Add people' });
    const search = dialog.getByRole('combobox', { name: 'Search people by name' });
    const option = dialog.getByRole('option', { name: new RegExp(bob.username) });
    const part = bob.username.slice(2, 10); // e.g. "b_1a2b3c": part of the name, not its start
    // The search index learns about B asynchronously (users events): retype until found.
    await expect(async () => {
      await search.fill('');
      await search.fill(part);
      await expect(option).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await shot(a, 'add-member-search', dialog);
    await option.click();
    await expect(option).toContainText('Invite sent');
    // Inviting again says so instead of failing.
    await search.fill(bob.username);
    await expect(option).toContainText(/Invite sent|Already invited/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('B sees the invite badge and accepts', async () => {
    await refocus(b);
    const bell = b.getByRole('button', { name: 'Invites, 1 pending' });
    await expect(bell).toBeVisible();
    await bell.click();
    const panel = b.getByRole('region', { name: 'Invites' });
    const invite = panel.getByRole('listitem', { name: groupName });
    await expect(invite).toContainText(`from ${alice.username}`);
    await shot(b, 'invites-menu');
    await invite.getByRole('button', { name: 'Accept' }).click();
    await expect(b).toHaveURL(/\/g\/[0-9a-f-]+$/);
    await expect(b.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
    await expect(b.getByRole('button', { name: 'Invites' })).toBeVisible();
    await expect(b.getByRole('navigation', { name: 'Groups' }).getByRole('link')).toHaveCount(1);
  });

  const membersA = a.getByRole('dialog', { name: 'Members' });

  await test.step('A grants B addMembers', async () => {
    await refocus(a);
    await expect(a.getByRole('button', { name: '2 members' })).toBeVisible();
    await a.getByRole('button', { name: 'Members', exact: true }).click();
    const row = membersA.getByRole('listitem', { name: bob.username });
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: `Manage ${bob.username}` }).click();
    await row.getByRole('switch', { name: 'Add members' }).click();
    await expect(row.getByRole('switch', { name: 'Add members' })).toBeChecked();
    await expect(row.getByLabel('Rights held')).toContainText('Add members');
    await shot(a, 'members-creator', membersA);
  });

  await test.step('B, with addMembers only, may remove nobody', async () => {
    await refocus(b);
    await expect(b.getByRole('button', { name: 'Add people' })).toBeVisible();
    await b.getByRole('button', { name: 'Members', exact: true }).click();
    const dialog = b.getByRole('dialog', { name: 'Members' });
    await expect(dialog.getByRole('listitem', { name: alice.username })).toContainText('Creator');
    await expect(dialog.getByRole('listitem', { name: bob.username })).toContainText('Add members');
    await expect(dialog.getByRole('button', { name: /^Remove / })).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: /^Manage / })).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: 'Leave group' })).toBeVisible();
    await shot(b, 'members-member', dialog);
    await dialog.getByRole('button', { name: 'Done' }).click();
  });

  await test.step('A removes B; both screens agree', async () => {
    const row = membersA.getByRole('listitem', { name: bob.username });
    await row.getByRole('button', { name: `Remove ${bob.username}` }).click();
    await row.getByRole('button', { name: `Remove ${bob.username} from the group` }).click();
    await expect(membersA.getByText(`${bob.username} was removed from the group.`)).toBeVisible();
    await expect(membersA.getByRole('listitem', { name: bob.username })).toHaveCount(0);
    await expect(membersA.getByRole('listitem')).toHaveCount(1);

    await refocus(b);
    await expect(b.getByRole('navigation', { name: 'Groups' }).getByRole('link')).toHaveCount(0);
    await expect(b.getByRole('heading', { name: 'This group is not available' })).toBeVisible();
    await shot(b, 'removed-member-view');

    await membersA.getByRole('button', { name: 'Done' }).click();
    await expect(a.getByRole('button', { name: '1 member' })).toBeVisible();
  });

  await test.step('A renames one group and deletes the other', async () => {
    await a.getByRole('button', { name: 'Group settings' }).click();
    const settings = a.getByRole('dialog', { name: 'Group settings' });
    await settings.getByLabel('Group name').fill(`${groupName} (renamed)`);
    await settings.getByRole('button', { name: 'Rename' }).click();
    await expect(settings.getByText('The group was renamed.')).toBeVisible();
    const picture = testInfo.outputPath('group.png');
    await writeFile(picture, noisyGradientPng(256, 256, 3));
    await settings.getByLabel('Upload picture').setInputFiles(picture);
    await settings.getByRole('button', { name: 'Save picture' }).click();
    await expect(settings.getByText('The group picture is saved.')).toBeVisible();
    await expect
      .poll(() =>
        a
          .getByRole('navigation', { name: 'Groups' })
          .locator('img.avatar-img')
          .first()
          .evaluate((el) => (el instanceof HTMLImageElement && el.complete ? el.naturalWidth : 0))
          .catch(() => 0),
      )
      .toBeGreaterThan(0);
    await shot(a, 'group-settings', settings);
    await settings.getByRole('button', { name: 'Done' }).click();
    const sidebar = a.getByRole('navigation', { name: 'Groups' });
    await expect(sidebar.getByRole('link', { name: new RegExp(`${groupName} \\(renamed\\)`) })).toBeVisible();

    await sidebar.getByRole('link', { name: /Book club/ }).click();
    await expect(a.getByRole('heading', { level: 1, name: 'Book club' })).toBeVisible();
    // An invite A sent shows under Sent and can be canceled; B's badge goes away.
    await a.getByRole('button', { name: 'Add people' }).click();
    const add = a.getByRole('dialog', { name: 'Add people' });
    await add.getByRole('combobox', { name: 'Search people by name' }).fill(bob.username);
    await add.getByRole('option', { name: new RegExp(bob.username) }).click();
    await expect(add.getByRole('option', { name: new RegExp(bob.username) })).toContainText('Invite sent');
    await add.getByRole('button', { name: 'Done' }).click();
    await a.getByRole('button', { name: 'Invites' }).click();
    const panel = a.getByRole('region', { name: 'Invites' });
    await panel.getByRole('tab', { name: /Sent/ }).click();
    const sentInvite = panel.getByRole('listitem', { name: 'Book club' });
    await expect(sentInvite).toContainText(`to ${bob.username}`);
    await shot(a, 'invites-sent', panel);
    await refocus(b);
    await expect(b.getByRole('button', { name: 'Invites, 1 pending' })).toBeVisible();
    await sentInvite.getByRole('button', { name: 'Cancel invite' }).click();
    await expect(panel.getByText('No pending invites from you.')).toBeVisible();
    await a.keyboard.press('Escape');
    await refocus(b);
    await expect(b.getByRole('button', { name: 'Invites', exact: true })).toBeVisible();

    await a.getByRole('button', { name: 'Group settings' }).click();
    await settings.getByRole('button', { name: 'Delete group…' }).click();
    await settings.getByRole('button', { name: 'Delete forever' }).click();
    await expect(a).toHaveURL(/\/$/);
    await expect(sidebar.getByRole('link')).toHaveCount(1);
  });

  await test.step('the layout holds in dark mode and on a phone', async () => {
    await a.getByRole('navigation', { name: 'Groups' }).getByRole('link').first().click();
    await a.emulateMedia({ colorScheme: 'dark' });
    await shot(a, 'groups-sidebar-dark');
    await a.setViewportSize({ width: 375, height: 812 });
    const overflow = await a.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
    await shot(a, 'group-375-dark');
  });

  expect(errorsA).toEqual([]);
  expect(errorsB).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});
