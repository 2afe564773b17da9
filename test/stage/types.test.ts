// Compile-time checks (run by tsc in `npm test`): both stages are Stages, and the options
// that have a closed set of values refuse others.
import { expectTypeOf, it } from 'vitest';
import { LocalStage, S3Stage, type Stage, type StagedLoad, type WriteRowsOptions } from '../../src/stage/index.js';
import type { UpshiftConfig } from '../../src/config.js';

it('LocalStage and S3Stage implement Stage', () => {
  expectTypeOf<LocalStage>().toExtend<Stage>();
  expectTypeOf<S3Stage>().toExtend<Stage>();
  expectTypeOf<LocalStage['kind']>().toEqualTypeOf<'local'>();
  expectTypeOf<S3Stage['kind']>().toEqualTypeOf<'s3'>();
  expectTypeOf<Stage['writeRows']>().returns.toEqualTypeOf<Promise<StagedLoad>>();
});

it('options refuse what the stage cannot do', () => {
  // @ts-expect-error a LocalStage needs a folder
  const noDir = () => new LocalStage({});
  // @ts-expect-error compression is 'gzip' or 'none'
  const zip: WriteRowsOptions['compression'] = 'zip';
  // @ts-expect-error binary is 'redshift' or 'postgres'
  const bin: WriteRowsOptions['binary'] = 'hex';
  // @ts-expect-error the config's base path is a string
  const cfg: UpshiftConfig = { s3BasePath: 42 };
  expectTypeOf(noDir).toBeFunction();
  void [zip, bin, cfg];
});
