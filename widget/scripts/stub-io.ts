// Used only by `npm run size` to measure the widget without socket.io-client.
export function io(): never {
  throw new Error('socket.io-client stubbed for size measurement');
}
