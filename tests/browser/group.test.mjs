// Replies, pins, group management and the profile in the web client, each seen live by
// the other people: alice makes a group with bob, bob answers her and sees the answered
// message go when she deletes it, alice pins and unpins, renames the group, adds carol
// (on a phone-sized screen) and removes her again, makes bob an admin, is refused a
// retention the server does not allow and sets one it does; bob leaves; alice renames
// herself.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { browserSuite, message } from './helpers.mjs';

const suite = browserSuite();
const { step, openUser, pages } = suite;

// The message whose own text is exactly `text` (a reply's preview quotes its target).
function byBody(page, text) {
  const exactly = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page.locator('#messages .message', { has: page.locator('.body', { hasText: exactly }) });
}

async function send(page, text) {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
  await byBody(page, text).locator('.status', { hasText: /Sent|Delivered|Read/ }).waitFor();
}

// Opened from the keyboard, as the panel is meant to be usable without a pointer.
async function openSettings(page) {
  const panel = page.locator('#conversation-settings');
  if (!(await panel.evaluate((details) => details.open))) {
    await panel.locator('summary').focus();
    await page.keyboard.press('Enter');
    await panel.locator('.settings-body').waitFor();
  }
  return panel;
}

test('replies, pins, group management and the profile', async () => {
  const desktop = { viewport: { width: 1180, height: 760 } };
  const aliceContext = await suite.browser.newContext(desktop);
  const bobContext = await suite.browser.newContext(desktop);
  const carolContext = await suite.browser.newContext({ viewport: { width: 390, height: 780 } });
  let alice;
  let bob;
  let carol;

  await step('register', async () => {
    alice = pages.alice = await openUser(aliceContext, 'alice');
    bob = pages.bob = await openUser(bobContext, 'bob');
    carol = pages.carol = await openUser(carolContext, 'carol');
  });

  await step('group', async () => {
    await alice.getByText('New group').click();
    await alice.getByLabel('Group name').fill('Trip');
    await alice.getByLabel('Members (usernames, comma separated)').fill('bob');
    await alice.getByRole('button', { name: 'Create group' }).click();
    await alice.locator('#conversation-title', { hasText: 'Trip' }).waitFor();
    await send(alice, 'Where shall we go?');
    await bob.locator('.conversation-item', { hasText: 'Trip' }).click();
    await byBody(bob, 'Where shall we go?').waitFor();
  });

  await step('reply', async () => {
    const original = byBody(bob, 'Where shall we go?');
    await original.getByRole('button', { name: 'Reply to this message' }).click();
    await bob.locator('#reply-bar', { hasText: 'Replying to alice: Where shall we go?' }).waitFor();
    await bob.getByRole('button', { name: 'Cancel the reply' }).click();
    await bob.locator('#reply-bar').waitFor({ state: 'hidden' });
    await original.getByRole('button', { name: 'Reply to this message' }).click();
    await bob.locator('#reply-bar').waitFor();
    await bob.keyboard.press('Escape');
    await bob.locator('#reply-bar').waitFor({ state: 'hidden' });
    await original.getByRole('button', { name: 'Reply to this message' }).click();
    await send(bob, 'The mountains');
    await bob.locator('#reply-bar').waitFor({ state: 'hidden' });
    const reply = byBody(alice, 'The mountains');
    await reply.locator('.reply-preview', { hasText: 'Where shall we go?' }).waitFor();
    assert.equal(await reply.locator('.reply-sender').textContent(), 'You');
    // The preview leads to the message it answers.
    await reply.locator('.reply-preview').click();
    await byBody(alice, 'Where shall we go?').and(alice.locator('.highlight')).waitFor();
  });

  await step('reply-to-deleted', async () => {
    await byBody(alice, 'Where shall we go?').getByRole('button', { name: 'Delete this message' }).click();
    await alice.getByRole('button', { name: 'Confirm deleting this message' }).click();
    await byBody(bob, 'The mountains').locator('.reply-preview.deleted', { hasText: 'deleted' }).waitFor();
  });

  await step('pin-and-unpin', async () => {
    await send(alice, 'Meet at 9 at the station');
    const mine = byBody(alice, 'Meet at 9 at the station');
    await mine.getByRole('button', { name: 'Pin this message' }).click();
    await bob.locator('#pinned-bar .pinned-item', { hasText: 'Meet at 9 at the station' }).waitFor();
    await byBody(bob, 'Meet at 9 at the station').locator('.pin-marker').waitFor();
    assert.equal(await bob.getByRole('button', { name: 'Pin this message' }).count(), 0, 'a plain member cannot pin');
    await bob.locator('#pinned-bar .pinned-item').click();
    await byBody(bob, 'Meet at 9 at the station').and(bob.locator('.highlight')).waitFor();
    await mine.getByRole('button', { name: 'Unpin this message' }).click();
    await bob.locator('#pinned-bar').waitFor({ state: 'hidden' });
    await byBody(bob, 'Meet at 9 at the station').locator('.pin-marker').waitFor({ state: 'detached' });
  });

  await step('rename', async () => {
    const panel = await openSettings(alice);
    await panel.getByLabel('Group title').fill('Trip to the Alps');
    await panel.getByRole('button', { name: 'Rename' }).click();
    await bob.locator('#conversation-title', { hasText: 'Trip to the Alps' }).waitFor();
    await bob.locator('.conversation-item', { hasText: 'Trip to the Alps' }).waitFor();
  });

  await step('add-member', async () => {
    const panel = await openSettings(alice);
    await panel.getByLabel('Add a member (username)').fill('carol');
    await panel.getByRole('button', { name: 'Add', exact: true }).click();
    await panel.locator('#member-list .member', { hasText: 'carol' }).waitFor();
    await bob.locator('#conversation-presence', { hasText: '3 members' }).waitFor();
    const bobPanel = await openSettings(bob);
    await bobPanel.locator('#member-list .member', { hasText: 'carol' }).waitFor();
    assert.equal(await bobPanel.getByRole('button', { name: /^Remove/ }).count(), 0, 'a plain member removes nobody');
    // carol, on a phone, finds the group in her list.
    await carol.locator('.conversation-item', { hasText: 'Trip to the Alps' }).click();
    await carol.locator('#conversation-title', { hasText: 'Trip to the Alps' }).waitFor();
    assert.equal(await carol.locator('#sidebar').isVisible(), false, 'one pane at a time');
    await openSettings(carol);
    await carol.locator('#member-list .member', { hasText: 'alice' }).waitFor();
  });

  await step('roles', async () => {
    const panel = await openSettings(alice);
    await panel.getByRole('button', { name: 'Make bob an admin' }).click();
    await bob.locator('#member-list .member', { hasText: 'bob' }).locator('.member-role', { hasText: 'admin' }).waitFor();
    // An admin may rename and remove, and the page now offers it.
    await bob.locator('#rename-form').waitFor();
    await bob.getByRole('button', { name: 'Remove carol from the group' }).waitFor();
  });

  await step('remove-member', async () => {
    await alice.getByRole('button', { name: 'Remove carol from the group' }).click();
    await carol.locator('.conversation-item', { hasText: 'Trip to the Alps' }).waitFor({ state: 'detached' });
    await carol.locator('#sidebar').waitFor({ state: 'visible' });
    await bob.locator('#conversation-presence', { hasText: '2 members' }).waitFor();
    await bob.locator('#member-list .member', { hasText: 'carol' }).waitFor({ state: 'detached' });
  });

  await step('refused-and-retention', async () => {
    const panel = await openSettings(alice);
    await panel.getByLabel(/Keep messages for/).fill('99999');
    await panel.locator('#retention-form').getByRole('button', { name: 'Save' }).click();
    await panel.locator('#settings-error', { hasText: /retentionDays.*1 to 3650/ }).waitFor();
    await panel.getByLabel(/Keep messages for/).fill('30');
    await panel.locator('#retention-form').getByRole('button', { name: 'Save' }).click();
    await panel.locator('#settings-note', { hasText: 'kept for 30 days' }).waitFor();
    await bob.locator('#retention-now', { hasText: 'kept for 30 days' }).waitFor();
  });

  await step('leave', async () => {
    const panel = await openSettings(bob);
    await panel.getByRole('button', { name: 'Leave group' }).click();
    await panel.getByRole('button', { name: 'Confirm leaving the group' }).click();
    await bob.locator('.conversation-item', { hasText: 'Trip to the Alps' }).waitFor({ state: 'detached' });
    await alice.locator('#conversation-presence', { hasText: '1 member' }).waitFor();
  });

  await step('profile', async () => {
    await alice.getByText('Your profile').click();
    await alice.getByLabel('Display name').fill('Alice A.');
    await alice.getByRole('button', { name: 'Save profile' }).click();
    await alice.locator('#profile-note', { hasText: 'Profile saved.' }).waitFor();
    await alice.locator('#me-name', { hasText: 'Alice A. (@alice)' }).waitFor();
  });

  await aliceContext.close();
  await bobContext.close();
  await carolContext.close();
});

test('a direct conversation offers retention but no group controls', async () => {
  // One context each: a context's pages share the stored session.
  const context = await suite.browser.newContext();
  const evanContext = await suite.browser.newContext();
  const dora = await openUser(context, 'dora');
  await openUser(evanContext, 'evan');
  await dora.getByLabel('Start a chat with (username)').fill('evan');
  await dora.getByRole('button', { name: 'Chat', exact: true }).click();
  await dora.locator('#conversation-title', { hasText: 'evan' }).waitFor();
  const panel = await openSettings(dora);
  await panel.locator('summary', { hasText: 'Conversation settings' }).waitFor();
  await panel.locator('#retention-form').waitFor();
  for (const id of ['#rename-form', '#members-section', '#leave-group']) {
    assert.equal(await panel.locator(id).isVisible(), false, `${id} is not offered`);
  }
  await dora.getByLabel('Message', { exact: true }).fill('pin me');
  await dora.getByLabel('Message', { exact: true }).press('Enter');
  await message(dora, 'pin me').getByRole('button', { name: 'Pin this message' }).click();
  await dora.locator('#pinned-bar .pinned-item', { hasText: 'pin me' }).waitFor();
  await context.close();
  await evanContext.close();
});
