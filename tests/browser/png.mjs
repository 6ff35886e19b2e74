// A small RGB PNG made in memory (a gradient with a circle), so the image step needs no
// fixture file and libvips gets a real image to make a thumbnail of.
import { encodePng } from '../integration/png.mjs';

export function makePng(width = 240, height = 160) {
  return encodePng(width, height, (x, y) => {
    const inCircle = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (height / 3) ** 2;
    if (inCircle) return [250, 190, 40];
    return [Math.round((x / width) * 80 + 20), Math.round((y / height) * 120 + 60), 200];
  });
}
