// drizzle-kit configuration. Run from the repository root (that is where
// `npm run db:generate` runs): paths below are relative to it.
//   npx drizzle-kit generate --config packages/db/drizzle.config.ts --name <change>
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/db/src/schema.ts',
  // Top-level migrations/ (docs/contract.md §2 layout); migrate() reads it from there too.
  out: './migrations',
});
