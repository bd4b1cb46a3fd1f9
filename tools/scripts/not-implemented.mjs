// Root scripts that exist before their issue lands say so instead of failing obscurely.
console.log(`kiln: \`pnpm ${process.argv[2]}\` is not implemented yet.`);
