// relay.html: "Host in this tab". One tab hosts a tiny game through the relay (over a WebRTC data channel, or the
// WebSocket if it does not open; `?carrier=websocket|webrtc` forces one; the driver listens through the relay),
// others join with its code or share link. The relay and its allocation API come with `npm start`
// (server/relay.ts); the API is same-origin, at ./relay/v1/.
import '../style.css';
import './relay.css';
import { cleanName } from '../../shared/chat.ts';
import { RelayApi } from './api.ts';
import { GuestSession } from './guest.ts';
import { HostSession } from './host.ts';
import { carrierChoice, type Session, type SessionEvents } from './link.ts';
import { Panel } from './panel.ts';
import { BoardView } from './view.ts';
import { Keys } from './world.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const lobby = $<HTMLDivElement>('lobby');
const play = $<HTMLDivElement>('play');
const nameInput = $<HTMLInputElement>('name');
const codeInput = $<HTMLInputElement>('code');
const status = $<HTMLParagraphElement>('status');
const buttons = [$<HTMLButtonElement>('host'), $<HTMLButtonElement>('join')];
const say = $<HTMLInputElement>('say');
const NAME_STORE = 'utp-relay-demo-name';

const api = new RelayApi(new URL('relay/v1/', location.href).href);
const connectionType = location.protocol === 'https:' ? 'wss' : 'ws';
const carrier = carrierChoice(location.search);
const panel = new Panel();
const board = new BoardView($<HTMLCanvasElement>('board'));
let session: Session | null = null;

const KEYS: Record<string, number> = {
  ArrowUp: Keys.Up, KeyW: Keys.Up, ArrowDown: Keys.Down, KeyS: Keys.Down,
  ArrowLeft: Keys.Left, KeyA: Keys.Left, ArrowRight: Keys.Right, KeyD: Keys.Right,
};
const held = new Set<string>();

function keyMask(): number {
  let mask = 0;
  for (const code of held) mask |= KEYS[code] ?? 0;
  return mask;
}

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

const events: SessionEvents = {
  log: (text, from) => panel.log(text, from),
  ended(reason) {
    session = null;
    held.clear();
    play.classList.add('hidden');
    lobby.classList.remove('hidden');
    buttons.forEach((b) => { b.disabled = false; });
    setStatus(reason, !reason.startsWith('You '));
    history.replaceState(null, '', location.pathname);
  },
};

async function start(open: (name: string) => Promise<Session>, what: string): Promise<void> {
  if (session) return;
  const name = cleanName(nameInput.value, `Player${Math.floor(Math.random() * 900 + 100)}`);
  nameInput.value = name;
  try { localStorage.setItem(NAME_STORE, name); } catch { /* private mode */ }
  buttons.forEach((b) => { b.disabled = true; });
  setStatus(what);
  try {
    session = await open(name);
  } catch (err) {
    buttons.forEach((b) => { b.disabled = false; });
    setStatus((err as Error).message, true);
    return;
  }
  panel.reset(session);
  panel.log(session.role === 'host'
    ? `Hosting through the relay. Share the code ${session.code} or the link.`
    : `Joining ${session.code} through the relay…`);
  lobby.classList.add('hidden');
  play.classList.remove('hidden');
  setStatus('');
}

function host(): void {
  void start((name) => HostSession.start(api, name, events, connectionType, carrier), 'Getting an allocation from the relay…');
}

function join(): void {
  const code = codeInput.value.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (code.length < 4) {
    setStatus('A join code looks like K7QX2M.', true);
    codeInput.focus();
    return;
  }
  codeInput.value = code;
  void start((name) => GuestSession.start(api, code, name, events, connectionType, carrier), `Looking up ${code}…`);
}

buttons[0].addEventListener('click', host);
buttons[1].addEventListener('click', join);
codeInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') join(); });
$<HTMLButtonElement>('leave').addEventListener('click', () => session?.leave());
window.addEventListener('pagehide', () => session?.leave());

window.addEventListener('keydown', (e) => {
  if (!session || e.target instanceof HTMLInputElement) return;
  if (e.key === 'Enter') { e.preventDefault(); say.focus(); return; }
  if (!(e.code in KEYS)) return;
  e.preventDefault();
  held.add(e.code);
  session.setKeys(keyMask());
});
window.addEventListener('keyup', (e) => {
  if (!held.delete(e.code)) return;
  session?.setKeys(keyMask());
});
window.addEventListener('blur', () => { held.clear(); session?.setKeys(0); });
say.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { say.value = ''; say.blur(); }
  if (e.key !== 'Enter') return;
  session?.say(say.value);
  say.value = '';
  say.blur();
});

let lastPanel = 0;
function frame(now: number): void {
  if (session) {
    board.draw(session.players(), now);
    if (now - lastPanel > 200) { lastPanel = now; panel.update(session); }
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

// Test hook (and for the curious): what this page knows.
(window as unknown as { __relayDemo: unknown }).__relayDemo = {
  probe: () => session && {
    role: session.role, code: session.code, myId: session.myId, status: session.status(), players: session.players(),
  },
};

try { nameInput.value = localStorage.getItem(NAME_STORE) ?? ''; } catch { /* private mode */ }
const linked = new URLSearchParams(location.search).get('join');
if (linked) {
  codeInput.value = linked.toUpperCase();
  join();
}
