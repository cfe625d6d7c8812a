/**
 * Typing hints (issue 14) between browsers, at 1366 px and 375 px: Alice
 * types and Bob sees "alice is typing…" under the conversation; Carol too
 * and it says "alice and carol are typing…"; Alice's message clears her
 * at once, and Carol, who stopped, fades out after about 6 s. Screenshots
 * light and dark.
 */
import { expect as baseExpect, test, type Page } from '@playwright/test';
import { apiAs, groupWith } from './chatApi';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';
import { shots } from './shots';

const expect = baseExpect.configure({ timeout: 20_000 });

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('who is typing shows to the others, and goes on sending or after a while', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(180_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const [alice, bob, carol] = [newUser('alice'), newUser('bob'), newUser('carol')];
      await Promise.all([alice, bob, carol].map((u) => registerVerified(baseURL, u)));
      const [asA, asB, asC] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob), apiAs(baseURL, carol)]);
      const name = `Typing ${alice.username.slice(-4)}`;
      const groupId = await groupWith(asA, [asB, asC], name);

      const contexts = await Promise.all([0, 1, 2].map(() => browser.newContext({ baseURL, viewport })));
      const [a, b, c] = await Promise.all(contexts.map((ctx) => ctx.newPage())) as [Page, Page, Page];
      const errors = [a, b, c].map((p) => collectErrors(p));
      await Promise.all([signIn(a, alice), signIn(b, bob), signIn(c, carol)]);
      await Promise.all([a, b, c].map((p) => p.goto(`/g/${groupId}`)));
      await Promise.all([a, b, c].map((p) => expect(p.getByText('No messages yet')).toBeVisible()));
      const typingB = b.locator('.chat-typing');
      await expect(typingB).toHaveText('');

      await test.step('Alice types: Bob sees her typing, she does not see herself', async () => {
        await a.getByRole('textbox', { name: 'Message' }).pressSequentially('Hello every', { delay: 30 });
        await expect(typingB).toHaveText(`${alice.username} is typing…`);
        await expect(a.locator('.chat-typing')).toHaveText('');
      });

      await test.step('Carol types too: both named', async () => {
        await c.getByRole('textbox', { name: 'Message' }).pressSequentially('Hi al', { delay: 30 });
        await expect(typingB).toHaveText(new RegExp(`^(${alice.username} and ${carol.username}|${carol.username} and ${alice.username}) are typing…$`));
        await b.mouse.move(0, 0);
        await shots(b, b, testInfo, `typing-${viewport.width}`);
      });

      await test.step("Alice's message clears her at once; Carol, silent, fades out after about 6 s", async () => {
        const box = a.getByRole('textbox', { name: 'Message' });
        await box.pressSequentially('one');
        await box.press('Enter');
        await expect(b.getByRole('list', { name: `Messages in ${name}` }).getByText('Hello everyone')).toBeVisible();
        await expect(typingB).toHaveText(`${carol.username} is typing…`);
        await expect(typingB).toHaveText('', { timeout: 12_000 });
      });

      for (const e of errors) expect(e).toEqual([]);
      await Promise.all([...contexts.map((ctx) => ctx.close()), asA.api.dispose(), asB.api.dispose(), asC.api.dispose()]);
    });
  });
}
