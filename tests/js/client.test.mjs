// The official kintone REST API client against a running kinflow (KINFLOW_BASE_URL).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { KintoneRestAPIClient, KintoneRestAPIError } from "@kintone/rest-api-client";

const baseUrl = process.env.KINFLOW_BASE_URL.replace("127.0.0.1", "localhost");
const auth = { username: process.env.KINFLOW_USER, password: process.env.KINFLOW_PASSWORD };
const client = new KintoneRestAPIClient({ baseUrl, auth });

const properties = {
  title: { type: "SINGLE_LINE_TEXT", code: "title", label: "Title", unique: true },
  amount: { type: "NUMBER", code: "amount", label: "Amount" },
  day: { type: "DATE", code: "day", label: "Day" },
  stage: {
    type: "DROP_DOWN", code: "stage", label: "Stage",
    options: { open: { label: "open", index: "0" }, done: { label: "done", index: "1" } },
  },
};

// deployApp, then getDeployStatus until the deploy has succeeded.
async function deploy(app, revision) {
  await client.app.deployApp({ apps: [{ app, ...(revision === undefined ? {} : { revision }) }] });
  for (let i = 0; i < 100; i++) {
    const { apps } = await client.app.getDeployStatus({ apps: [app] });
    if (apps[0].status === "SUCCESS") return app;
    assert.notEqual(apps[0].status, "FAIL");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("deploy did not finish");
}

async function deployed() {
  const { app } = await client.app.addApp({ name: `JS client ${Date.now()}` });
  await client.app.addFormFields({ app, properties });
  return deploy(app);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to fail");
}

describe("apps and records", () => {
  let app;
  before(async () => {
    app = await deployed();
  });

  test("addFormFields are live after deployApp", async () => {
    const { properties: live } = await client.app.getFormFields({ app });
    assert.equal(live.amount.type, "NUMBER");
    assert.equal(live.stage.options.done.label, "done");
  });

  test("addRecord, getRecord, updateRecord with a revision conflict", async () => {
    const { id, revision } = await client.record.addRecord({
      app, record: { title: { value: "first" }, amount: { value: 12.5 }, stage: { value: "open" } },
    });
    assert.equal(revision, "1");
    const { record } = await client.record.getRecord({ app, id });
    assert.equal(record.title.value, "first");
    assert.equal(record.amount.value, "12.5");
    const updated = await client.record.updateRecord({
      app, id, revision, record: { stage: { value: "done" } },
    });
    assert.equal(updated.revision, "2");
    const error = await rejection(client.record.updateRecord({ app, id, revision: 1, record: {} }));
    assert.ok(error instanceof KintoneRestAPIError);
    assert.equal(error.code, "GAIA_CO02");
    assert.equal(error.status, 409);
  });

  test("getRecords with queries and totalCount", async () => {
    await client.record.addRecords({
      app,
      records: [
        { title: { value: "q1" }, amount: { value: 1 }, day: { value: "2024-01-01" } },
        { title: { value: "q2" }, amount: { value: 50 }, day: { value: "2024-06-01" } },
      ],
    });
    const found = await client.record.getRecords({
      app, query: 'amount >= 1 and day >= "2024-01-01" order by amount desc', fields: ["title"], totalCount: true,
    });
    assert.deepEqual(found.records.map((r) => r.title.value), ["q2", "q1"]);
    assert.equal(found.totalCount, "2");
  });

  test("missing app and missing record", async () => {
    const noApp = await rejection(client.record.getRecord({ app: 987654, id: 1 }));
    assert.equal(noApp.code, "GAIA_AP01");
    const noRecord = await rejection(client.record.getRecord({ app, id: 987654 }));
    assert.equal(noRecord.code, "GAIA_RE01");
  });

  test("bulkRequest failures carry the failing index", async () => {
    const error = await rejection(client.bulkRequest({
      requests: [
        { method: "POST", api: "/k/v1/record.json", payload: { app, record: { title: { value: "bulk-ok" } } } },
        { method: "POST", api: "/k/v1/record.json", payload: { app, record: { amount: { value: "x" } } } },
      ],
    }));
    assert.equal(error.bulkRequestIndex, 1);
    const { records } = await client.record.getRecords({ app, query: 'title = "bulk-ok"' });
    assert.equal(records.length, 0);
  });
});

describe("all records", () => {
  let app;
  const total = 2500;
  before(async () => {
    app = await deployed();
  });

  test("addAllRecords, getAllRecords (seek and cursor), updateAllRecords, deleteAllRecords", async () => {
    const records = Array.from({ length: total }, (_, i) => ({
      title: { value: `row-${i}` }, amount: { value: i },
    }));
    const added = await client.record.addAllRecords({ app, records });
    assert.equal(added.records.length, total);

    const bySeek = await client.record.getAllRecords({ app, fields: ["title"] });
    assert.equal(bySeek.length, total);
    assert.ok(bySeek.every((r) => r.$id !== undefined));
    const ids = bySeek.map((r) => Number(r.$id.value));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));

    const byCursor = await client.record.getAllRecords({
      app, condition: "amount >= 100", orderBy: "amount desc", fields: ["amount"],
    });
    assert.equal(byCursor.length, total - 100);
    assert.equal(byCursor[0].amount.value, String(total - 1));

    const updates = bySeek.slice(0, 2100).map((r) => ({ id: r.$id.value, record: { amount: { value: -1 } } }));
    const updated = await client.record.updateAllRecords({ app, records: updates });
    assert.equal(updated.records.length, 2100);
    const negative = await client.record.getRecords({ app, query: "amount = -1 limit 1", totalCount: true });
    assert.equal(negative.totalCount, "2100");

    const upserted = await client.record.updateAllRecords({
      app, upsert: true,
      records: [{ updateKey: { field: "title", value: "brand-new" }, record: { amount: { value: 7 } } }],
    });
    assert.equal(upserted.records[0].operation, "INSERT");

    const all = await client.record.getAllRecords({ app, fields: ["$id"] });
    await client.record.deleteAllRecords({ app, records: all.map((r) => ({ id: r.$id.value })) });
    const left = await client.record.getRecords({ app, totalCount: true });
    assert.equal(left.totalCount, "0");
  });
});

describe("API tokens", () => {
  test("a token works for its own app only, as Administrator", async () => {
    const app = await deployed();
    const response = await fetch(`${baseUrl}/kinflow/v1/apiTokens.json`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Cybozu-Authorization": Buffer.from(`${auth.username}:${auth.password}`).toString("base64"),
      },
      body: JSON.stringify({ app, permissions: { view: true, add: true } }),
    });
    const { token } = await response.json();
    await client.app.deployApp({ apps: [{ app }] });
    const byToken = new KintoneRestAPIClient({ baseUrl, auth: { apiToken: token } });
    const { id } = await byToken.record.addRecord({ app, record: { title: { value: "by token" } } });
    const { record } = await byToken.record.getRecord({ app, id });
    assert.equal(record.Created_by.value.code, "Administrator");
    const denied = await rejection(byToken.record.deleteRecords({ app, ids: [id] }));
    assert.equal(denied.code, "GAIA_NO01");
  });
});

describe("record comments", () => {
  test("addRecordComment, getRecordComments, deleteRecordComment", async () => {
    const app = await deployed();
    const { id: record } = await client.record.addRecord({ app, record: { title: { value: "commented" } } });
    const first = await client.record.addRecordComment({
      app, record, comment: { text: "sample comment", mentions: [{ code: "Administrator", type: "USER" }] },
    });
    assert.equal(first.id, "1");
    await client.record.addRecordComment({ app, record, comment: { text: "second" } });
    const { comments, older, newer } = await client.record.getRecordComments({ app, record, order: "asc" });
    assert.deepEqual(comments.map((c) => c.id), ["1", "2"]);
    assert.equal(comments[0].text, "Administrator \nsample comment");
    assert.deepEqual(comments[0].mentions, [{ code: "Administrator", type: "USER" }]);
    assert.equal(comments[1].creator.code, "Administrator");
    assert.equal(older, false);
    assert.equal(newer, false);
    const page = await client.record.getRecordComments({ app, record, order: "desc", limit: 1 });
    assert.deepEqual([page.comments[0].id, page.older, page.newer], ["2", true, false]);
    await client.record.deleteRecordComment({ app, record, comment: "2" });
    const missing = await rejection(client.record.deleteRecordComment({ app, record, comment: "2" }));
    assert.equal(missing.code, "GAIA_RE02");
    assert.equal(missing.status, 400);
    const tooMany = await rejection(client.record.getRecordComments({ app, record, limit: 11 }));
    assert.equal(tooMany.code, "CB_VA01");
  });
});

describe("process management", () => {
  test("updateProcessManagement, updateRecordStatus, updateRecordsStatus, updateRecordAssignees", async () => {
    const app = await deployed();
    const creator = { entity: { type: "CREATOR" }, includeSubs: false };
    const admin = { entity: { type: "USER", code: "Administrator" }, includeSubs: false };
    const { revision } = await client.app.updateProcessManagement({
      app,
      enable: true,
      states: {
        Open: { name: "Open", index: "0", assignee: { type: "ONE", entities: [creator] } },
        Doing: { name: "Doing", index: "1", assignee: { type: "ONE", entities: [admin] } },
        Closed: { name: "Closed", index: "2", assignee: { type: "ANY", entities: [] } },
      },
      actions: [
        { name: "Begin", from: "Open", to: "Doing", filterCond: 'stage in ("open")', type: "PRIMARY" },
        { name: "Finish", from: "Doing", to: "Closed", filterCond: "", type: "PRIMARY" },
      ],
    });
    await deploy(app, revision);
    const live = await client.app.getProcessManagement({ app });
    assert.equal(live.enable, true);
    assert.deepEqual(Object.keys(live.states), ["Open", "Doing", "Closed"]);

    const { id } = await client.record.addRecord({ app, record: { title: { value: "flow" }, stage: { value: "open" } } });
    const { record } = await client.record.getRecord({ app, id });
    assert.equal(record.Status.value, "Open");
    assert.deepEqual(record.Assignee.value.map((a) => a.code), ["Administrator"]);

    const denied = await rejection(client.record.updateRecordStatus({ app, id, action: "Finish" }));
    assert.equal(denied.code, "GAIA_IL03");
    const moved = await client.record.updateRecordStatus({ app, id, action: "Begin", assignee: "Administrator", revision: 1 });
    assert.equal(moved.revision, "3");
    const stale = await rejection(client.record.updateRecordStatus({ app, id, action: "Finish", revision: 1 }));
    assert.equal(stale.code, "GAIA_CO02");

    const assigned = await client.record.updateRecordAssignees({ app, id, assignees: [] });
    assert.equal(assigned.revision, "4");
    const { records } = await client.record.updateRecordsStatus({ app, records: [{ id, action: "Finish" }] });
    assert.deepEqual(records, [{ id: String(id), revision: "6" }]);
    const found = await client.record.getRecords({ app, query: 'Status in ("Closed")', fields: ["$id", "Status"] });
    assert.deepEqual(found.records.map((r) => r.Status.value), ["Closed"]);
  });
});

describe("notification settings", () => {
  test("per record, general and reminder notifications go live on deploy", async () => {
    const { app } = await client.app.addApp({ name: `JS notifications ${Date.now()}` });
    await client.app.addFormFields({
      app, properties: {
        User_selection: { type: "USER_SELECT", code: "User_selection", label: "User selection" },
        due: { type: "DATE", code: "due", label: "Due" },
      },
    });
    const notifications = [{
      filterCond: 'User_selection in ("Administrator")',
      title: "Administrator was selected",
      targets: [{ entity: { type: "USER", code: "Administrator" }, includeSubs: false }],
    }];
    const { revision } = await client.app.updatePerRecordNotifications({ app, notifications, revision: "2" });
    assert.equal(revision, "3");
    await client.app.updateGeneralNotifications({ app, notifyToCommenter: true });
    await client.app.updateReminderNotifications({
      app, timezone: "Asia/Tokyo", notifications: [{
        timing: { code: "due", daysLater: 1, time: "08:00" }, filterCond: "", title: "due",
        targets: [{ entity: { type: "USER", code: "Administrator" }, includeSubs: false }],
      }],
    });
    const preview = await client.app.getPerRecordNotifications({ app, preview: true });
    assert.deepEqual(preview.notifications, notifications);
    await deploy(app);
    const live = await client.app.getPerRecordNotifications({ app });
    assert.deepEqual(live.notifications, notifications);
    assert.equal((await client.app.getGeneralNotifications({ app })).notifyToCommenter, true);
    const reminder = await client.app.getReminderNotifications({ app });
    assert.equal(reminder.timezone, "Asia/Tokyo");
    assert.deepEqual(reminder.notifications[0].timing, { code: "due", daysLater: "1", time: "08:00" });
    const bad = await rejection(client.app.updatePerRecordNotifications({ app, notifications: [{ title: "x" }] }));
    assert.equal(bad.code, "CB_VA01");
  });
});

describe("notifications that reach people", () => {
  // kinflow's own API (users, the inbox) is not part of kintone's client: plain fetch.
  async function kinflow(method, path, body, login = auth) {
    const credentials = Buffer.from(`${login.username}:${login.password}`).toString("base64");
    const response = await fetch(`${baseUrl}/kinflow/v1/${path}.json`, {
      method, headers: { "X-Cybozu-Authorization": credentials, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.equal(response.status, 200, await response.clone().text());
    return response.json();
  }

  test("updatePerRecordNotifications and deployApp, then an edit reaches the inbox", async () => {
    const user = { username: `js-notified-${Date.now()}`, password: "pw" };
    await kinflow("POST", "users", { code: user.username, password: user.password });
    const { app } = await client.app.addApp({ name: `JS inbox ${Date.now()}` });
    await client.app.addFormFields({
      app, properties: {
        title: { type: "SINGLE_LINE_TEXT", code: "title", label: "Title" },
        amount: { type: "NUMBER", code: "amount", label: "Amount" },
      },
    });
    await client.app.updatePerRecordNotifications({
      app, notifications: [{
        filterCond: "amount > 100", title: "Large amount",
        targets: [{ entity: { type: "USER", code: user.username }, includeSubs: false }],
      }],
    });
    await deploy(app);
    const { id } = await client.record.addRecord({ app, record: { title: { value: "small" }, amount: { value: 5 } } });
    assert.equal((await kinflow("GET", "notifications/count", null, user)).unread, 0);
    await client.record.updateRecord({ app, id, record: { amount: { value: 500 } } });
    const { notifications } = await kinflow("GET", "notifications", null, user);
    assert.equal(notifications.length, 1);
    assert.equal(notifications[0].kind, "per_record");
    assert.equal(notifications[0].title, "Large amount");
    assert.equal(notifications[0].record, String(id));
    assert.equal(notifications[0].app, String(app));
    assert.match(notifications[0].url, new RegExp(`/k/${app}/show#record=${id}$`));
    await kinflow("PUT", "notifications/read", { all: true }, user);
    assert.equal((await kinflow("GET", "notifications/count", null, user)).unread, 0);
  });
});

describe("calculated fields", () => {
  test("CALC and auto-calculated text: form, addRecords, getRecords with a query, updateRecord", async () => {
    const { app } = await client.app.addApp({ name: `JS formulas ${Date.now()}` });
    await client.app.addFormFields({
      app, properties: {
        price: { type: "NUMBER", code: "price", label: "Price" },
        lines: {
          type: "SUBTABLE", code: "lines", label: "Lines", fields: {
            qty: { type: "NUMBER", code: "qty", label: "Qty" },
            line: { type: "CALC", code: "line", label: "Line", expression: "qty * price" },
          },
        },
        total: { type: "CALC", code: "total", label: "Total", expression: "SUM(line)", format: "NUMBER_DIGIT" },
        label: { type: "SINGLE_LINE_TEXT", code: "label", label: "Label", expression: 'YEN(total, 0) & " total"' },
      },
    });
    const refused = await rejection(client.app.addFormFields({
      app, properties: { bad: { type: "CALC", code: "bad", label: "Bad", expression: "SUM(nothing)" } },
    }));
    assert.ok(refused instanceof KintoneRestAPIError);
    assert.equal(refused.code, "GAIA_IL01");
    await deploy(app);
    const { properties: live } = await client.app.getFormFields({ app });
    assert.equal(live.total.type, "CALC");
    assert.equal(live.total.format, "NUMBER_DIGIT");
    const row = (qty) => ({ value: { qty: { value: qty } } });
    const { ids } = await client.record.addRecords({
      app, records: [
        { price: { value: 100 }, lines: { value: [row(1), row(2)] }, total: { value: "999" } },
        { price: { value: 10 }, lines: { value: [row(5)] } },
      ],
    });
    const { records } = await client.record.getRecords({ app, query: "total > 100 order by total desc" });
    assert.deepEqual(records.map((r) => r.$id.value), [ids[0]]);
    assert.equal(records[0].total.value, "300");
    assert.equal(records[0].label.value, "¥300 total");
    assert.equal(records[0].lines.value[1].value.line.value, "200");
    await client.record.updateRecord({ app, id: ids[1], record: { price: { value: 1000 } } });
    const { record } = await client.record.getRecord({ app, id: ids[1] });
    assert.equal(record.total.value, "5000");
    assert.equal(record.label.value, "¥5,000 total");
  });
});

describe("lookups and related records", () => {
  test("addFormFields with a lookup and a related records field, addRecord copies, GAIA_LO04", async () => {
    const { app: customers } = await client.app.addApp({ name: `JS customers ${Date.now()}` });
    await client.app.addFormFields({
      app: customers, properties: {
        cid: { type: "SINGLE_LINE_TEXT", code: "cid", label: "ID", unique: true },
        name: { type: "SINGLE_LINE_TEXT", code: "name", label: "Name" },
      },
    });
    await deploy(customers);
    await client.record.addRecord({ app: customers, record: { cid: { value: "K1" }, name: { value: "Kanto" } } });
    const { app } = await client.app.addApp({ name: `JS orders ${Date.now()}` });
    await client.app.addFormFields({
      app, properties: {
        customer: {
          type: "SINGLE_LINE_TEXT", code: "customer", label: "Customer", lookup: {
            relatedApp: { app: customers }, relatedKeyField: "cid",
            fieldMappings: [{ field: "customer_name", relatedField: "name" }], lookupPickerFields: ["name"],
          },
        },
        customer_name: { type: "SINGLE_LINE_TEXT", code: "customer_name", label: "Customer name" },
        others: {
          type: "REFERENCE_TABLE", code: "others", label: "Others", referenceTable: {
            relatedApp: { app: customers }, condition: { field: "customer", relatedField: "cid" },
            displayFields: ["name"], size: "5",
          },
        },
      },
    });
    await deploy(app);
    const { properties } = await client.app.getFormFields({ app });
    assert.equal(properties.customer.lookup.relatedKeyField, "cid");
    assert.equal(properties.others.referenceTable.size, "5");
    const { id } = await client.record.addRecord({
      app, record: { customer: { value: "K1" }, customer_name: { value: "ignored" } },
    });
    const { record } = await client.record.getRecord({ app, id });
    assert.equal(record.customer_name.value, "Kanto");
    assert.equal(record.others, undefined);
    const refused = await rejection(client.record.addRecord({ app, record: { customer: { value: "K9" } } }));
    assert.ok(refused instanceof KintoneRestAPIError);
    assert.equal(refused.code, "GAIA_LO04");
  });
});

describe("files", () => {
  test("uploadFile, a FILE field on addRecord and updateRecord, downloadFile", async () => {
    const { app } = await client.app.addApp({ name: `JS files ${Date.now()}` });
    await client.app.addFormFields({
      app,
      properties: { docs: { type: "FILE", code: "docs", label: "Documents" } },
    });
    await deploy(app);
    const { fileKey } = await client.file.uploadFile({ file: { name: "見積書.txt", data: "quote: 42" } });
    const { id } = await client.record.addRecord({ app, record: { docs: { value: [{ fileKey }] } } });
    const { record } = await client.record.getRecord({ app, id });
    const [file] = record.docs.value;
    assert.equal(file.name, "見積書.txt");
    assert.equal(file.size, "9");
    assert.notEqual(file.fileKey, fileKey);
    const data = await client.file.downloadFile({ fileKey: file.fileKey });
    assert.equal(Buffer.from(data).toString(), "quote: 42");

    // A key is used once; a second record cannot take it.
    const reused = await rejection(client.record.addRecord({ app, record: { docs: { value: [{ fileKey }] } } }));
    assert.ok(reused instanceof KintoneRestAPIError);
    assert.equal(reused.code, "GAIA_BL01");

    // Replacing the file deletes the old one.
    const second = await client.file.uploadFile({ file: { name: "b.bin", data: Buffer.from([0, 1, 2]) } });
    await client.record.updateRecord({ app, id, record: { docs: { value: [{ fileKey: second.fileKey }] } } });
    const [replaced] = (await client.record.getRecord({ app, id })).record.docs.value;
    assert.deepEqual([...new Uint8Array(await client.file.downloadFile({ fileKey: replaced.fileKey }))], [0, 1, 2]);
    // The client reads a download's error body as bytes, so only the status tells (as with kintone).
    const gone = await rejection(client.file.downloadFile({ fileKey: file.fileKey }));
    assert.equal(gone.status, 404);
  });
});

describe("record and field permissions", () => {
  test("updateRecordAcl and updateFieldAcl go live on deploy and narrow what another user reads", async () => {
    const login = `js-acl-${Date.now()}`;
    const credentials = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
    const made = await fetch(`${baseUrl}/kinflow/v1/users.json`, {
      method: "POST", headers: { "X-Cybozu-Authorization": credentials, "Content-Type": "application/json" },
      body: JSON.stringify({ code: login, password: "pw" }),
    });
    assert.equal(made.status, 200, await made.clone().text());
    const app = await deployed();
    await client.record.addRecords({
      app, records: [
        { title: { value: "open one" }, amount: { value: "1" }, stage: { value: "open" } },
        { title: { value: "done one" }, amount: { value: "2" }, stage: { value: "done" } },
      ],
    });
    const recordRights = [
      { filterCond: 'stage in ("done")', entities: [
        { entity: { type: "USER", code: auth.username }, viewable: true, editable: true, deletable: true,
          includeSubs: false }] },
      { filterCond: "", entities: [
        { entity: { type: "GROUP", code: "everyone" }, viewable: true, editable: false, deletable: false,
          includeSubs: false }] },
    ];
    const fieldRights = [{ code: "amount", entities: [
      { accessibility: "WRITE", entity: { type: "USER", code: auth.username }, includeSubs: false },
      { accessibility: "NONE", entity: { type: "GROUP", code: "everyone" }, includeSubs: false }] }];
    await client.app.updateRecordAcl({ app, rights: recordRights });
    await client.app.updateFieldAcl({ app, rights: fieldRights });
    assert.deepEqual((await client.app.getRecordAcl({ app, preview: true })).rights, recordRights);
    assert.deepEqual((await client.app.getRecordAcl({ app })).rights, []);
    await deploy(app);
    assert.deepEqual((await client.app.getRecordAcl({ app })).rights, recordRights);
    assert.deepEqual((await client.app.getFieldAcl({ app })).rights, fieldRights);

    const other = new KintoneRestAPIClient({ baseUrl, auth: { username: login, password: "pw" } });
    const seen = await other.record.getRecords({ app, totalCount: true });
    assert.deepEqual(seen.records.map((r) => r.title.value), ["open one"]);
    assert.equal(seen.totalCount, "1");
    assert.equal(seen.records[0].amount, undefined);
    const all = await other.record.getAllRecords({ app });
    assert.equal(all.length, 1);
    const denied = await rejection(other.record.updateRecord({
      app, id: seen.records[0].$id.value, record: { title: { value: "changed" } } }));
    assert.equal(denied.code, "CB_NO02");
    const { rights } = await other.app.evaluateRecordsAcl({ app, ids: [seen.records[0].$id.value] });
    assert.deepEqual(rights[0].record, { viewable: true, editable: false, deletable: false });
    assert.deepEqual(rights[0].fields.amount, { viewable: false, editable: false });
    assert.equal((await client.record.getRecords({ app })).records.length, 2);

    const bad = await rejection(client.app.updateFieldAcl({ app, rights: [{ code: "nope", entities: [] }] }));
    assert.equal(bad.code, "CB_VA01");
    assert.ok(bad.errors["rights[0].code"]);
  });
});

describe("a Japanese user's app", () => {
  test("system fields named in Japanese: getFormFields, addRecords, getRecords and getAllRecords by them, errors in Japanese", async () => {
    const login = { username: `js-ja-${Date.now()}`, password: "pw-ja-1" };
    const credentials = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
    const made = await fetch(`${baseUrl}/kinflow/v1/users.json`, {
      method: "POST", headers: { "X-Cybozu-Authorization": credentials, "Content-Type": "application/json" },
      body: JSON.stringify({ code: login.username, password: login.password, language: "ja" }),
    });
    assert.equal(made.status, 200, await made.clone().text());
    const japanese = new KintoneRestAPIClient({ baseUrl, auth: login });
    const { app } = await japanese.app.addApp({ name: `受注 ${Date.now()}` });
    await japanese.app.addFormFields({ app, properties: { 件名: { type: "SINGLE_LINE_TEXT", code: "件名", label: "件名" } } });
    await japanese.app.deployApp({ apps: [{ app }] });
    for (let i = 0; i < 100; i++) {
      const { apps } = await japanese.app.getDeployStatus({ apps: [app] });
      if (apps[0].status === "SUCCESS") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { properties } = await japanese.app.getFormFields({ app });
    assert.equal(properties["レコード番号"].type, "RECORD_NUMBER");
    assert.equal(properties["作成日時"].label, "作成日時");
    const { ids } = await japanese.record.addRecords({ app, records: [1, 2, 3].map((n) => ({ 件名: { value: `件${n}` } })) });
    const { records } = await japanese.record.getRecords({ app, query: "レコード番号 >= 2 order by レコード番号 desc" });
    assert.deepEqual(records.map((r) => r["レコード番号"].value), [ids[2], ids[1]]);
    const all = await japanese.record.getAllRecords({ app, condition: "作成者 in (LOGINUSER())", orderBy: "作成日時 asc, レコード番号 asc" });
    assert.deepEqual(all.map((r) => r["件名"].value), ["件1", "件2", "件3"]);
    const missing = await rejection(japanese.record.getRecord({ app, id: 987654 }));
    assert.equal(missing.code, "GAIA_RE01");
    assert.match(missing.message, /指定したレコード（id: 987654）が見つかりません。/);
  });
});
