// Draws the extension icon (128x128 PNG, no dependencies): a dark tile with a PyTorch-orange ring,
// a Keras-red square and a white two-way arrow between them. Usage: node scripts/make-icon.mjs media/icon.png
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SS = 4; // supersampling per axis

function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function colorAt(x, y) {
  // layers from top to bottom; returns [r, g, b, a]
  const arrowY = 64;
  const inArrow =
    (Math.abs(y - (arrowY - 9)) <= 3 && x >= 50 && x <= 78) || // upper shaft
    (Math.abs(y - (arrowY + 9)) <= 3 && x >= 50 && x <= 78) || // lower shaft
    (x >= 78 && x <= 88 && Math.abs(y - (arrowY - 9)) <= 9 - (x - 78) * 0.9) || // right head
    (x <= 50 && x >= 40 && Math.abs(y - (arrowY + 9)) <= 9 - (50 - x) * 0.9); // left head
  if (inArrow) return [255, 255, 255, 255];
  const d = Math.hypot(x - 36, y - 40);
  if (d <= 22 && d >= 13) return [238, 76, 44, 255]; // PyTorch orange ring
  if (Math.hypot(x - 50, y - 22) <= 4) return [238, 76, 44, 255]; // the dot
  if (inRoundedRect(x, y, 72, 70, 112, 110, 6) && !inRoundedRect(x, y, 81, 79, 103, 101, 3)) return [208, 0, 0, 255]; // Keras red
  if (x >= 87 && x <= 92 && y >= 84 && y <= 96) return [208, 0, 0, 255];
  if (inRoundedRect(x, y, 4, 4, 124, 124, 22)) return [30, 42, 58, 255]; // tile
  return [0, 0, 0, 0];
}

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let py = 0; py < SIZE; py++) {
  raw[py * (SIZE * 4 + 1)] = 0; // filter: none
  for (let px = 0; px < SIZE; px++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const c = colorAt(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS);
        acc[0] += c[0] * c[3]; acc[1] += c[1] * c[3]; acc[2] += c[2] * c[3]; acc[3] += c[3];
      }
    }
    const o = py * (SIZE * 4 + 1) + 1 + px * 4;
    const a = acc[3];
    raw[o] = a ? Math.round(acc[0] / a) : 0;
    raw[o + 1] = a ? Math.round(acc[1] / a) : 0;
    raw[o + 2] = a ? Math.round(acc[2] / a) : 0;
    raw[o + 3] = Math.round(a / (SS * SS));
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(process.argv[2] ?? 'media/icon.png', png);
console.log(`wrote ${process.argv[2] ?? 'media/icon.png'} (${png.length} bytes)`);
