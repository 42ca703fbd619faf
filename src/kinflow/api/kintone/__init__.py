"""kintone's REST API: `/k/v1/{resource}.json` and `/k/guest/{space}/v1/{resource}.json`."""
