// An application searching a squash index through its Function URL with the packaged client.
// Run: SQUASH_URL=<search URL> node examples/search.mjs   (add SQUASH_SIGN=true for AWS_IAM URLs)
import { SearchHttpError, SquashClient } from 'squash-vector/client';

const client = new SquashClient({ url: process.env.SQUASH_URL, sign: process.env.SQUASH_SIGN === 'true' });
try {
  const answer = await client.search({
    index: 'shop',
    k: 3,
    queries: [
      { vector: [0.1, 0.4, -0.2, 0.9, 0.3, -0.5, 0.7, 0.2], filter: { category: 'red', u: { $lt: 0.5 } } },
    ],
    options: { includeAttributes: true },
  });
  for (const hit of answer.results[0].hits)
    console.log(hit.id, hit.distance.toFixed(3), JSON.stringify(hit.attributes));
  const { snapshot, partitionsVisited, ms } = answer.stats;
  console.log(
    `snapshot ${JSON.stringify(snapshot)}, ${partitionsVisited} partitions visited, ${ms.toFixed(1)} ms`,
  );
} catch (error) {
  if (!(error instanceof SearchHttpError)) throw error;
  console.error(`search failed (${error.status} ${error.code}): ${error.message}`);
  process.exitCode = 1;
}
