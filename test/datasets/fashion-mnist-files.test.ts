/** Debian's Fashion-MNIST files read as the suites expect them (required: fails when missing). */
import { describe, expect, it } from 'vitest';
import { fashionMnistFiles, readIdxImages, readIdxLabels } from '../../shared/data/index.ts';
import { fashionMnistDir, requireFile } from './data-dir.ts';

const hint = 'install it with `apt-get install -y dataset-fashion-mnist` or set SQUASH_FASHION_MNIST_DIR';

describe('Fashion-MNIST files', () => {
  it('hold 10,000 test images of 784 pixels, 1,000 per class', async () => {
    const files = fashionMnistFiles(fashionMnistDir);
    const labels = await readIdxLabels(requireFile(files.testLabels, hint));
    expect(labels.length).toBe(10_000);
    const perClass = new Uint32Array(10);
    for (const label of labels) perClass[label]!++;
    expect(Array.from(perClass)).toEqual(new Array(10).fill(1000));
    const images = await readIdxImages(requireFile(files.testImages, hint));
    expect([images.n, images.dim]).toEqual([10_000, 784]);
  });
});
