/**
 * Browser pieces jsdom lacks, for booting a HEADLESS Phaser game in Vitest. Imported first by each test file in
 * this folder (so the mocks stay scoped to these tests); needs `// @vitest-environment jsdom`.
 *
 * - `canvas.getContext('2d')`: a do-nothing 2D context (Phaser probes one at import, Text draws on one);
 * - `Image`: an element that fires `load` once `src` is set (Phaser's texture manager waits for three);
 * - `window.focus`: a no-op (jsdom only prints "not implemented").
 */

type Ctx2D = Record<string | symbol, unknown>;

function fake2dContext(canvas: HTMLCanvasElement): Ctx2D {
  const stored: Ctx2D = { canvas, globalAlpha: 1, lineWidth: 1, font: '10px sans-serif' };
  const special: Record<string, (...args: number[]) => unknown> = {
    getImageData: (_x, _y, w = 1, h = 1) => ({ width: w, height: h, data: new Uint8ClampedArray(Math.max(1, w * h) * 4) }),
    createImageData: (w = 1, h = 1) => ({ width: w, height: h, data: new Uint8ClampedArray(Math.max(1, w * h) * 4) }),
    measureText: () => ({ width: 8, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2, fontBoundingBoxAscent: 8, fontBoundingBoxDescent: 2 }),
    createLinearGradient: () => ({ addColorStop() {} }),
    createRadialGradient: () => ({ addColorStop() {} }),
    createPattern: () => ({}),
    getLineDash: () => [],
    isPointInPath: () => false,
    getTransform: () => ({ a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 }),
  };
  return new Proxy(stored, {
    get(target, key) {
      if (key in target) return target[key];
      if (typeof key === 'string' && key in special) return special[key];
      return () => undefined;
    },
    set(target, key, value) {
      target[key] = value;
      return true;
    },
  });
}

const contexts = new WeakMap<HTMLCanvasElement, Ctx2D>();
HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string) {
  if (kind !== '2d') return null;
  let ctx = contexts.get(this);
  if (!ctx) contexts.set(this, (ctx = fake2dContext(this)));
  return ctx;
} as unknown as HTMLCanvasElement['getContext'];

/** jsdom's `Image` returns a plain element (no subclassing): patch each instance instead. */
function LoadingImage(width?: number, height?: number): HTMLImageElement {
  const img = document.createElement('img');
  let src = '';
  Object.defineProperties(img, {
    src: {
      get: () => src,
      set: (value: string) => {
        src = value;
        setTimeout(() => img.dispatchEvent(new Event('load')));
      },
    },
    width: { value: width ?? 32, writable: true },
    height: { value: height ?? 32, writable: true },
    naturalWidth: { value: 32 },
    naturalHeight: { value: 32 },
    complete: { get: () => src !== '' },
  });
  return img;
}
(globalThis as { Image: unknown }).Image = LoadingImage;
window.focus = () => {};
