// TO IMPLEMENT (helper): this module must follow the API contract in
// tests/web/README.md exactly (names, object shapes); the page modules are
// being written against it right now.
