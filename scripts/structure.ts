// Structure figures for review notes (issue 17): run `npm run structure`. Counts, over src/ and
// codegen/ (tests, benches and examples excluded): `as` casts (not `as const`), files over 300
// lines, functions over 80 lines, lines over 120 characters, bare `throw new Error`, and the
// names the package root exports. Cross-layer imports are what `npx depcruise` reports.
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const files = execFileSync('git', ['ls-files', 'src', 'codegen'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts'));
const program = ts.createProgram(files, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();

let casts = 0;
let bareErrors = 0;
let longLines = 0;
const bigFiles: string[] = [];
const bigFunctions: string[] = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines.length > 300) bigFiles.push(`${file} (${lines.length})`);
  longLines += lines.filter((l) => l.length > 120).length;
  const source = program.getSourceFile(file)!;
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) && !(ts.isTypeReferenceNode(node.type) && node.type.getText(source) === 'const'))
      casts++;
    if (ts.isNewExpression(node) && node.expression.getText(source) === 'Error' && ts.isThrowStatement(node.parent))
      bareErrors++;
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node)
    ) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > 80) {
        const name =
          (node as ts.FunctionDeclaration).name?.getText(source) ??
          (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : '(anonymous)');
        bigFunctions.push(`${file}:${start + 1} ${name} (${end - start + 1})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
const root = program.getSourceFile('src/index.ts')!;
const rootExports = checker.getExportsOfModule(checker.getSymbolAtLocation(root)!).length;
console.log(
  JSON.stringify(
    {
      casts,
      bareThrowNewError: bareErrors,
      linesOver120: longLines,
      rootExports,
      filesOver300: bigFiles,
      functionsOver80: bigFunctions,
    },
    null,
    2,
  ),
);
