/**
 * A Parquet file's vectors as a `VectorSource`: rows [start, end) of its vector column, read with the
 * footer (once, when opened) and only the pages of the vector column that hold those rows, so that a
 * streaming build's memory is bounded by its chunk whatever the file's size, and a Lambda task reading
 * one chunk fetches about that chunk's bytes (ranged GETs for `s3://bucket/key`).
 *
 * The column and its rules are readParquet's (shared/data/parquet-vector-column.ts): `vectorColumn`,
 * else the file's only list-of-numbers column; lists of FLOAT, DOUBLE, integers, FLOAT16 or DECIMAL
 * become float32; `count` is the file's row count and `dim` the length of row 0, which every row must
 * have, of finite numbers (InvalidInputError naming the row otherwise, when the row is read).
 *
 * Page-bounded reads need the vector chunks' offset indexes (pyarrow: `write_page_index=True`;
 * hyparquet-writer writes them). A row group without one is fetched and decoded whole for any range of
 * its rows (hyparquet's JS arrays cost ~10x the float32 bytes), so memory is then bounded by the row
 * group instead: keep such groups small (pyarrow's default is 1 Mi rows).
 */
import { parquetSchema } from 'hyparquet';
import { parquetColumns } from '../data/parquet-columns.ts';
import { openParquetSource, type ParquetLocation } from '../data/parquet-source.ts';
import {
  chooseVectorColumn,
  copyVector,
  ParquetVectorColumn,
  readParquetMetadata,
  vectorDim,
} from '../data/parquet-vector-column.ts';
import { InvalidInputError } from '../errors/index.ts';
import { checkRange, type VectorSource } from './vector-source.ts';

export interface ParquetVectorSourceOptions {
  /** The column of vectors. @default the only list-of-numbers column */
  readonly vectorColumn?: string;
}

export async function openParquetVectorSource(
  location: ParquetLocation,
  options: ParquetVectorSourceOptions = {},
): Promise<VectorSource> {
  const source = await openParquetSource(location);
  const what = source.description;
  try {
    const metadata = await readParquetMetadata(source);
    const vector = chooseVectorColumn(parquetColumns(parquetSchema(metadata)), options.vectorColumn, what);
    const count = Number(metadata.num_rows);
    if (count === 0) throw new InvalidInputError(`\`${what}\` has no rows; expected at least one vector`);
    const held = metadata.row_groups.reduce((sum, group) => sum + Number(group.num_rows), 0);
    if (held !== count) {
      throw new InvalidInputError(
        `\`${what}\` declares ${count} rows, but its row groups hold ${held}; expected them to agree`,
      );
    }
    const column = new ParquetVectorColumn(source, metadata, vector.name);
    let dim = 0;
    await column.read(0, 1, (_, rows) => {
      dim = vectorDim(rows[0], vector.name, what);
    });
    return {
      count,
      dim,
      description: what,
      readRows: async (start, end) => {
        checkRange(start, end, count, what);
        const out = new Float32Array((end - start) * dim);
        await column.read(start, end, (first, rows) => {
          for (let r = 0; r < rows.length; r++) {
            copyVector(rows[r], first + r, dim, out, first + r - start, vector.name, what);
          }
        });
        return out;
      },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}
