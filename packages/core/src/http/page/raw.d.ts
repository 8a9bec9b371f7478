// Files imported as text (`import css from './page.css?raw'`): Vite (the tests) reads them itself;
// the build inlines them with core's tsup esbuild plugin (tsup.config.ts).
declare module '*?raw' {
  const text: string;
  export default text;
}
