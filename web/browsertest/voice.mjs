// A voice message recorded from Chromium's fake microphone reaches the
// other member of a server: its duration is shown and it plays.
import { run, step, waitUntil } from './lib.mjs';
import * as ui from './flows.mjs';

run(
  async (user) => {
    const alice = await user('alice');
    const bob = await user('bob');
    await ui.register(alice, 'alice');
    await ui.register(bob, 'bob');
    await ui.befriend(alice, 'bob');
    await ui.accept(bob, 'alice');
    await ui.createServer(alice, 'band');
    await ui.invite(alice, 'band', 'bob');
    await ui.accept(bob, 'alice', 'band');
    await ui.openChannel(bob, 'band');
    await ui.openChannel(alice, 'band');

    await alice.getByRole('button', { name: 'Record a voice message' }).click();
    const timer = alice.getByRole('timer', { name: 'Recording duration' });
    // At least two seconds of the fake microphone's beeps.
    await waitUntil(alice, 'the recording reaches 0:02', (el) => /^0:0[2-9]$/.test(el.textContent.trim()), await timer.elementHandle());
    await alice.getByRole('group', { name: 'Recording' }).getByRole('button', { name: 'Send voice message' }).click();
    step('recorded');

    const voice = ui.messages(bob).getByRole('group', { name: 'Voice message' });
    await voice.waitFor();
    const shown = voice.getByLabel('Duration');
    await waitUntil(bob, 'the voice message shows its duration', (el) => /^\d+:\d\d$/.test(el.textContent.trim()), await shown.elementHandle());
    const text = (await shown.textContent()).trim();
    if (!/^0:0[1-9]$/.test(text)) throw new Error(`the voice message says it lasts ${text}, not about two seconds`);
    step('received');

    const audio = await voice.locator('audio').elementHandle();
    const secs = await audio.evaluate((a) => a.duration);
    if (!(secs > 0 && isFinite(secs))) throw new Error(`the audio element's duration is ${secs}`);
    await audio.evaluate(
      (a) =>
        new Promise((resolve, reject) => {
          a.addEventListener('playing', resolve, { once: true });
          a.addEventListener('error', () => reject(new Error(`audio error ${a.error && a.error.message}`)), { once: true });
          a.play().catch(reject);
        }),
    );
    await waitUntil(bob, 'the voice message plays on', (a) => a.currentTime > 0.2 && !a.paused, audio);
    step('played');
  },
  { media: true },
);
