// Stand-ins for CommonJS packages that load on first use rather than with 'upshift' (the AWS
// SDK, pg): importing 'upshift' then costs little more than a bare node start (measured with
// bench/startup.bench.ts). Their Node entries are CommonJS, so `require` returns the very module
// `import()` would: what is made through a stand-in is the package's own, and a caller's own
// S3Client or pg.Pool works beside it.
import { createRequire } from 'node:module';

export const requireHere = createRequire(import.meta.url);

type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * A class, required when first used (`new`, a static, `instanceof`): a Proxy that forwards each
 * of those to the real class. Call sites read as plain package code.
 */
export function lazyClass<C extends AnyClass>(load: () => C): C {
  let real: C | undefined;
  const target = () => (real ??= load()) as unknown as new (...args: unknown[]) => object;
  const proxy: C = new Proxy(function lazyClass() {} as unknown as C, {
    // new.target is the real class, unless a subclass of this stand-in is being constructed
    construct: (_stub, args, newTarget) =>
      Reflect.construct(target(), args, newTarget === proxy ? target() : newTarget) as object,
    get: (_stub, key): unknown => Reflect.get(target(), key),
    has: (_stub, key) => Reflect.has(target(), key),
  });
  return proxy;
}

/** A module object, required when one of its members is first read. */
export function lazyModule<M extends object>(load: () => M): M {
  let real: M | undefined;
  const target = () => (real ??= load());
  return new Proxy({} as M, {
    get: (_stub, key) => Reflect.get(target(), key),
    has: (_stub, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_stub, key) => {
      const d = Reflect.getOwnPropertyDescriptor(target(), key);
      return d && { ...d, configurable: true };
    },
  });
}
