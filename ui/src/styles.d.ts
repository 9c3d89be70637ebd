// CSS imported for the bundle (esbuild collects it into the page's stylesheet).
declare module '*.css';
