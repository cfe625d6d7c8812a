import { expect, request, test, type Locator, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { login } from './api';
import { collectErrors } from './console';
import { noisyGradientPng } from './png';
import { resultsDir } from './server';
import { newUser, registerVerified, signIn, type TestUser } from './users';

async function shot(page: Page, name: string, target?: Locator): Promise<void> {
  const path = join(resultsDir, `${name}.png`);
  await (target
    ? target.screenshot({ path, animations: 'disabled' })
    : page.screenshot({ path, animations: 'disabled' }));
}

/** A tiny valid one-page PDF with a correct cross-reference table. */
function tinyPdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A creates a group and B joins it, through the API (the UI of this is groups.spec.ts). */
async function groupOfTwo(baseURL: string, a: TestUser, b: TestUser, name: string): Promise<string> {
  const api = await request.newContext({ baseURL });
  try {
    const la = await login(api, a);
    const lb = await login(api, b);
    const asA = { Authorization: `Bearer ${la.token}` };
    const asB = { Authorization: `Bearer ${lb.token}` };
    const created = await api.post('/api/v1/groups', { data: { name }, headers: asA });
    expect(created.status(), await created.text()).toBe(201);
    const groupId = ((await created.json()) as { id: string }).id;
    const invite = await api.post(`/api/v1/groups/${groupId}/invites`, { data: { userId: lb.id }, headers: asA });
    expect(invite.status(), await invite.text()).toBe(201);
    const inviteId = ((await invite.json()) as { id: string }).id;
    const accepted = await api.post(`/api/v1/invites/${inviteId}/accept`, { headers: asB });
    expect(accepted.status(), await accepted.text()).toBe(200);
    return groupId;
  } finally {
    await api.dispose();
  }
}

function messages(page: Page): Locator {
  return page.getByRole('list', { name: /^Messages in / });
}

function message(page: Page, text: string): Locator {
  return messages(page).getByRole('listitem').filter({ hasText: text });
}

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

/** Network noise of being offline on purpose is not a failure of the page. */
const offlineNoise = /ERR_INTERNET_DISCONNECTED|WebSocket connection to|ERR_NETWORK_CHANGED/;

test('two users chat in real time: attachments, deletes, catch-up after going offline', async ({ browser, baseURL }) => {
  test.setTimeout(150_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const groupName = `Chat crew ${alice.username.slice(-4)}`;
  const groupId = await groupOfTwo(baseURL, alice, bob, groupName);
  const sideName = `Side project ${alice.username.slice(-4)}`;
  await groupOfTwo(baseURL, alice, bob, sideName);

  const ctxA = await browser.newContext({ baseURL });
  const ctxB = await browser.newContext({ baseURL });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  const errorsA = collectErrors(a);
  const errorsB = collectErrors(b);
  await Promise.all([signIn(a, alice), signIn(b, bob)]);
  await Promise.all([a.goto(`/g/${groupId}`), b.goto(`/g/${groupId}`)]);
  await expect(a.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
  await expect(b.getByText('No messages yet')).toBeVisible();

  await test.step('they chat in real time both ways', async () => {
    await send(a, 'Hi Bob, welcome to the crew!');
    await expect(message(b, 'Hi Bob, welcome to the crew!')).toBeVisible();
    await expect(message(b, 'Hi Bob, welcome to the crew!')).toContainText(alice.username);
    await send(b, 'Thanks Alice 👋');
    await expect(message(a, 'Thanks Alice 👋')).toBeVisible();
    // Shift+Enter starts a new line instead of sending.
    const box = a.getByRole('textbox', { name: 'Message' });
    await box.fill('Two');
    await box.press('Shift+Enter');
    await box.pressSequentially('lines');
    await expect(box).toHaveValue('Two\nlines');
    await box.press('Enter');
    await expect(message(b, 'lines')).toContainText('Two');
    await shot(a, 'chat-conversation');
  });

  await test.step('messages in a group not open count as unread in the sidebar', async () => {
    const sideA = a.getByRole('navigation', { name: 'Groups' }).getByRole('link', { name: new RegExp(sideName) });
    const sideB = b.getByRole('navigation', { name: 'Groups' }).getByRole('link', { name: new RegExp(sideName) });
    await sideA.click();
    await expect(a.getByRole('heading', { level: 1, name: sideName })).toBeVisible();
    await send(a, 'Psst, over here');
    await send(a, 'About the side project');
    await expect(sideB.locator('.grouplist-unread')).toHaveText('2');
    await expect(sideB).toHaveAccessibleName(/2 unread/);
    await shot(b, 'chat-unread', b.getByRole('navigation', { name: 'Groups' }));
    await sideB.click();
    await expect(message(b, 'About the side project')).toBeVisible();
    await expect(sideB.locator('.grouplist-unread')).toHaveCount(0);
    const main = (p: Page) => p.getByRole('navigation', { name: 'Groups' }).getByRole('link', { name: new RegExp(groupName) });
    await Promise.all([main(a).click(), main(b).click()]);
    await expect(message(a, 'Two')).toBeVisible();
    await expect(message(b, 'Two')).toBeVisible();
  });

  const picture = join(resultsDir, 'chat-chart.png');
  const pdfPath = join(resultsDir, 'chat-notes.pdf');
  const pdf = tinyPdf('Parley notes');

  await test.step('A sends an image and a PDF with a progress bar per file', async () => {
    await writeFile(picture, noisyGradientPng(640, 640, 11));
    await writeFile(pdfPath, pdf);
    await a.getByLabel('Choose files to attach').setInputFiles([picture, pdfPath]);
    const tray = a.getByRole('list', { name: 'Attached files' });
    await expect(tray.getByRole('listitem')).toHaveCount(2);

    const cdp = await a.context().newCDPSession(a);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 384 * 1024,
    });
    await a.getByRole('textbox', { name: 'Message' }).fill('The chart and the notes');
    await a.getByRole('button', { name: 'Send' }).click();
    const bar = a.getByRole('progressbar', { name: 'Uploading chat-chart.png' });
    await expect(bar).toBeVisible();
    await expect(a.getByRole('progressbar', { name: 'Uploading chat-notes.pdf' })).toBeVisible();
    await expect.poll(() => bar.evaluate((el) => (el as HTMLProgressElement).value)).toBeGreaterThan(3);
    await shot(a, 'chat-uploading', a.getByRole('form', { name: 'Write a message' }));
    await expect(message(a, 'The chart and the notes')).toBeVisible({ timeout: 30_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
  });

  await test.step('B sees the image rendered and downloads the PDF', async () => {
    const item = message(b, 'The chart and the notes');
    const img = item.getByRole('img', { name: 'chat-chart.png' });
    await expect(img).toBeVisible();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    const link = item.getByRole('link', { name: /^Download chat-notes\.pdf/ });
    await expect(link).toHaveAttribute('href', /.+/);
    const [download] = await Promise.all([b.waitForEvent('download'), link.click()]);
    const path = await download.path();
    expect(Buffer.compare(await readFile(path), pdf)).toBe(0);
  });

  await test.step('delete for everyone: gone for both', async () => {
    await send(a, 'Oops, wrong group');
    await expect(message(b, 'Oops, wrong group')).toBeVisible();
    const mine = message(a, 'Oops, wrong group');
    await mine.hover();
    await mine.getByRole('button', { name: 'Message actions' }).click();
    const menu = a.getByRole('menu', { name: 'Message actions' });
    // The author's menu; its first item takes the focus.
    await expect(menu.getByRole('menuitem')).toHaveText(['Reply', 'Add reaction', 'Edit', 'Delete for everyone', 'Delete for me']);
    await expect(menu.getByRole('menuitem', { name: 'Reply' })).toBeFocused();
    await shot(a, 'chat-message-menu');
    await menu.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    // A confirmation first (issue 13): nothing is gone until it is confirmed.
    const confirm = a.getByRole('dialog', { name: 'Delete for everyone?' });
    await expect(confirm).toContainText('Oops, wrong group');
    await confirm.getByRole('button', { name: 'Delete for everyone' }).click();
    await expect(confirm).toBeHidden();
    await expect(message(a, 'Oops, wrong group')).toHaveCount(0);
    await expect(message(b, 'Oops, wrong group')).toHaveCount(0);
    await expect(messages(a).getByText('Message deleted')).toHaveCount(1);
    await expect(messages(b).getByText('Message deleted')).toHaveCount(1);
  });

  await test.step('B may not delete A\'s message for everyone; delete for me hides it only for B', async () => {
    const theirs = message(b, 'Hi Bob, welcome to the crew!');
    await theirs.getByRole('button', { name: 'Message actions' }).focus();
    await b.keyboard.press('Enter');
    const menu = b.getByRole('menu', { name: 'Message actions' });
    await expect(menu.getByRole('menuitem')).toHaveText(['Reply', 'Add reaction', 'Delete for me']);
    await b.keyboard.press('End');
    await expect(menu.getByRole('menuitem', { name: 'Delete for me' })).toBeFocused();
    await b.keyboard.press('Enter');
    await expect(message(b, 'Hi Bob, welcome to the crew!')).toHaveCount(0);
    await a.waitForTimeout(500);
    await expect(message(a, 'Hi Bob, welcome to the crew!')).toBeVisible();
  });

  await test.step('B goes offline, misses three messages and catches up', async () => {
    await ctxB.setOffline(true);
    const banner = b.getByRole('status').filter({ hasText: 'Reconnecting…' });
    await expect(banner).toBeVisible();
    await shot(b, 'chat-reconnecting');
    for (const n of ['one', 'two', 'three']) await send(a, `While you were away: ${n}`);
    await expect(message(a, 'While you were away: three')).toBeVisible();
    await b.waitForTimeout(500);
    await expect(message(b, 'While you were away: one')).toHaveCount(0);
    await ctxB.setOffline(false);
    await expect(b.getByRole('status').filter({ hasText: 'Back online' })).toBeVisible();
    for (const n of ['one', 'two', 'three']) await expect(message(b, `While you were away: ${n}`)).toBeVisible();
    // B had scrolled up (the menu of an older message): the new ones are counted and one click away.
    const jump = b.getByRole('button', { name: /new messages?|Jump to latest/ });
    if (await jump.isVisible()) await jump.click();
    await expect(jump).toBeHidden();
    await expect(message(b, 'While you were away: three')).toBeInViewport();
    await shot(b, 'chat-back-online');
    await expect(b.getByRole('status').filter({ hasText: /Reconnecting|Back online/ })).toHaveCount(0, { timeout: 10_000 });
  });

  expect(errorsA).toEqual([]);
  expect(errorsB.filter((e) => !offlineNoise.test(e))).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});
