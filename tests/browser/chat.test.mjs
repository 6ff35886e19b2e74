// The web client in a real browser (Debian's chromium, driven by playwright-core): two
// people register, one starts a chat with the other, they exchange messages, see typing
// and the read receipt; one goes offline while the other sends and catches up when back;
// then an image, an edit, a delete, a reaction and a search.
//
// Every step leaves a screenshot (tests/browser/helpers.mjs). With
// TALKLINE_SCREENSHOT=docs/web-client.png the chat in progress is also written there
// (how the README's picture is made).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { browserSuite, message, repoRoot, STEP_TIMEOUT_MS } from './helpers.mjs';
import { makePng } from './png.mjs';

const suite = browserSuite();
const { step, openUser, pages } = suite;

test('two people chat in the web client', async () => {
  const aliceContext = await suite.browser.newContext({ viewport: { width: 1180, height: 760 } });
  const bobContext = await suite.browser.newContext({ viewport: { width: 1180, height: 760 } });
  let alice;
  let bob;

  await step('register', async () => {
    alice = pages.alice = await openUser(aliceContext, 'alice');
    bob = pages.bob = await openUser(bobContext, 'bob');
  });

  await step('start-chat', async () => {
    await alice.getByLabel('Start a chat with (username)').fill('bob');
    await alice.getByRole('button', { name: 'Chat', exact: true }).click();
    await assert.doesNotReject(alice.locator('#conversation-title', { hasText: 'bob' }).waitFor());
    await alice.getByLabel('Message', { exact: true }).fill('Hi Bob! Lunch at noon?');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await message(alice, 'Lunch at noon').locator('.status', { hasText: /Sent|Delivered|Read/ }).waitFor();
  });

  await step('receive-and-read', async () => {
    await bob.locator('.conversation-item', { hasText: 'alice' }).click();
    await message(bob, 'Hi Bob! Lunch at noon?').waitFor();
    await message(alice, 'Lunch at noon').locator('.status', { hasText: 'Read' }).waitFor();
  });

  await step('typing', async () => {
    await bob.getByLabel('Message', { exact: true }).pressSequentially('Sure', { delay: 30 });
    await alice.locator('#typing', { hasText: 'bob is typing' }).waitFor();
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await message(alice, 'Sure').waitFor();
    await alice.locator('#typing', { hasText: /^$/ }).waitFor();
  });

  await step('offline-and-catch-up', async () => {
    await bobContext.setOffline(true);
    await bob.locator('#connection-banner', { hasText: 'Connection lost' }).waitFor();
    await alice.getByLabel('Message', { exact: true }).fill('I booked the table by the window');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await message(alice, 'booked the table').locator('.status', { hasText: 'Sent' }).waitFor();
    await bobContext.setOffline(false);
    await message(bob, 'I booked the table by the window').waitFor({ timeout: 20_000 });
    await bob.locator('#connection-banner', { hasText: 'Back online' }).waitFor();
    await message(alice, 'booked the table').locator('.status', { hasText: 'Read' }).waitFor();
  });

  await step('image', async () => {
    await alice.setInputFiles('#composer-file', { name: 'table.png', mimeType: 'image/png', buffer: makePng() });
    await alice.getByLabel('Message', { exact: true }).fill('This one');
    await alice.getByRole('button', { name: 'Send' }).click();
    const image = message(bob, 'This one').locator('img.thumbnail');
    await image.waitFor();
    await bob.waitForFunction((img) => img.complete && img.naturalWidth > 0, await image.elementHandle());
    await message(bob, 'This one').getByRole('button', { name: /Download table\.png/ }).waitFor();
  });

  await step('edit', async () => {
    await message(alice, 'Lunch at noon').getByRole('button', { name: 'Edit this message' }).click();
    await alice.getByLabel('Edit message').fill('Hi Bob! Lunch at one?');
    await alice.locator('form.edit').getByRole('button', { name: 'Save' }).click();
    await message(bob, 'Lunch at one?').locator('.edited').waitFor();
  });

  await step('delete', async () => {
    await alice.getByLabel('Message', { exact: true }).fill('oops, wrong chat');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await message(bob, 'oops, wrong chat').waitFor();
    await message(alice, 'oops, wrong chat').getByRole('button', { name: 'Delete this message' }).click();
    await alice.getByRole('button', { name: 'Confirm deleting this message' }).click();
    await bob.locator('#messages .body.deleted', { hasText: 'This message was deleted.' }).waitFor();
    assert.equal(await message(bob, 'oops, wrong chat').count(), 0);
  });

  await step('react', async () => {
    await message(bob, 'booked the table').getByRole('button', { name: 'Add a reaction' }).click();
    await bob.getByRole('button', { name: 'React with 👍' }).click();
    await message(alice, 'booked the table').locator('.chip', { hasText: '👍 1' }).waitFor();
  });

  await step('search', async () => {
    await bob.getByLabel('Search messages').fill('window');
    await bob.getByRole('button', { name: 'Search', exact: true }).click();
    await bob.locator('#search-results .result', { hasText: 'window' }).waitFor();
    await bob.getByRole('button', { name: 'Close results' }).click();
  });

  await step('group-unread-mentions-and-paging', async () => {
    await alice.getByText('New group').click();
    await alice.getByLabel('Group name').fill('Lunch crew');
    await alice.getByLabel('Members (usernames, comma separated)').fill('bob');
    await alice.getByRole('button', { name: 'Create group' }).click();
    await alice.locator('#conversation-title', { hasText: 'Lunch crew' }).waitFor();
    // A long history, sent over the HTTP API as another client of alice's would.
    await alice.evaluate(async () => {
      const { accessToken } = JSON.parse(localStorage.getItem('talkline.session'));
      const list = await (await fetch('/api/v1/conversations', { headers: { Authorization: `Bearer ${accessToken}` } })).json();
      const group = list.items.find((c) => c.title === 'Lunch crew');
      for (let i = 1; i <= 34; i++) {
        await fetch(`/api/v1/conversations/${group.id}/messages`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ clientMsgId: `filler-${i}`, body: `filler ${i}` }),
        });
      }
    });
    await alice.getByLabel('Message', { exact: true }).fill('@bob are you in?');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    const entry = bob.locator('.conversation-item', { hasText: 'Lunch crew' });
    await entry.locator('.badge', { hasText: '35' }).waitFor();
    await entry.locator('.badge.mention', { hasText: '@1' }).waitFor();
    await entry.click();
    await message(bob, '@bob are you in?').waitFor();
    await bob.getByRole('button', { name: 'Load older messages' }).click();
    const first = bob.locator('#messages .body', { hasText: /^filler 1$/ });
    await first.waitFor();
    assert.equal(await first.count(), 1);
    assert.equal(await bob.locator('#messages .message').count(), 35, 'the whole history, each message once');
    await bob.waitForFunction(() => {
      const item = [...document.querySelectorAll('.conversation-item')].find((e) => e.textContent.includes('Lunch crew'));
      return item && !item.querySelector('.badge');
    });
    await bob.locator('.conversation-item', { hasText: 'alice' }).click();
  });

  await step('phone-layout', async () => {
    const phone = await bobContext.newPage();
    await phone.setViewportSize({ width: 390, height: 780 });
    await phone.goto(suite.server.baseUrl);
    await phone.locator('.conversation-item', { hasText: 'alice' }).click();
    await message(phone, 'I booked the table by the window').waitFor();
    assert.equal(await phone.locator('#sidebar').isVisible(), false, 'one pane at a time');
    await phone.getByRole('button', { name: 'Back to conversations' }).click();
    await phone.locator('#sidebar').waitFor({ state: 'visible' });
    await phone.close();
  });

  if (process.env.TALKLINE_SCREENSHOT) {
    await alice.getByRole('button', { name: /^bob/ }).click();
    await bob.getByLabel('Message', { exact: true }).pressSequentially('See you there', { delay: 30 });
    await alice.locator('#typing', { hasText: 'bob is typing' }).waitFor();
    const target = path.resolve(repoRoot, process.env.TALKLINE_SCREENSHOT);
    await alice.setViewportSize({ width: 1180, height: 900 });
    await alice.screenshot({ path: target });
    console.log(`wrote ${target}`);
  }

  await step('token-refresh-and-session-end', async () => {
    await alice.getByRole('button', { name: /^bob/ }).click();
    // A stale access token: the socket's refused CONNECT and the API's 401 both refresh it.
    await bob.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('talkline.session'));
      localStorage.setItem('talkline.session', JSON.stringify({ ...session, accessToken: 'stale' }));
    });
    await bob.reload();
    await bob.getByRole('button', { name: /^alice/ }).click();
    await message(bob, 'I booked the table by the window').waitFor();
    await bob.getByLabel('Message', { exact: true }).fill('Still here');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await message(alice, 'Still here').waitFor();
    // Signing out in another tab ends the session: this one is signed out too.
    const other = await bobContext.newPage();
    await other.goto(suite.server.baseUrl);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await bob.locator('#auth-error', { hasText: 'session has ended' }).waitFor();
    await other.close();
  });

  await aliceContext.close();
  await bobContext.close();
});

test('Swagger UI shows the API from local files under the CSP', async () => {
  const context = await suite.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  await page.goto(`${suite.server.baseUrl}/api/v1/docs/`);
  await page.locator('.swagger-ui .info .title', { hasText: 'TalkLine' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('.opblock-summary-path', { hasText: '/api/v1/auth/login' }).first().waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
