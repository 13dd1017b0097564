// Entry of the browser bundle (`npm run build:browser` → dist/browser/utp.js): the transport and the built-in
// stages, with UDP swapped for a stub and no Node built-ins. WebSocketNetworkInterface is the carrier here.
export * from './index.ts';
export * from './stages/index.ts';
export * from '../relay/index.ts';
