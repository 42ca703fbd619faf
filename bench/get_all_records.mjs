// Times getAllRecords through the official client: node get_all_records.mjs BASE_URL APP USER PASSWORD
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "js", "package.json"));
const { KintoneRestAPIClient } = require("@kintone/rest-api-client");

const [baseUrl, app, username, password] = process.argv.slice(2);
const client = new KintoneRestAPIClient({ baseUrl: baseUrl.replace("127.0.0.1", "localhost"), auth: { username, password } });
const started = performance.now();
const records = await client.record.getAllRecords({ app });
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ records: records.length, seconds }));
