// sharp's side of vs-sharp.sh: every JPEG and PNG of a folder fitted into
// a box (no enlargement, EXIF orientation applied, metadata stripped) and
// written as JPEG or AVIF, N images at a time, one libvips thread each
// (the resizer runs one image per worker the same way).
//
//   node sharp-resize.js SRC DST N FORMAT QUALITY [AVIF_EFFORT] [BOX]
const sharp = require('sharp');
const fs = require('fs');
const path = require('path');

const [src, dst, n, format, quality, effort, box] = process.argv.slice(2);
const side = Number(box || 800);
sharp.concurrency(1);
sharp.cache(false);
fs.mkdirSync(dst, { recursive: true });
const names = fs.readdirSync(src).filter((f) => /\.(jpe?g|png)$/i.test(f));
const encode = (img) => (format === 'avif'
  ? img.avif({ quality: Number(quality), effort: Number(effort || 4) })
  : img.jpeg({ quality: Number(quality) }));
let next = 0;
let failed = 0;
async function worker() {
  while (next < names.length) {
    const name = names[next++];
    const out = path.join(dst, name.replace(/\.[^.]+$/, format === 'avif' ? '.avif' : '.jpg'));
    try {
      await encode(sharp(path.join(src, name)).rotate()
        .resize(side, side, { fit: 'inside', withoutEnlargement: true })).toFile(out);
    } catch (e) {
      failed++;
      console.error(`${name}: ${e.message}`);
    }
  }
}
Promise.all(Array.from({ length: Number(n) || 2 }, worker)).then(() => {
  process.exitCode = failed ? 1 : 0;
});
