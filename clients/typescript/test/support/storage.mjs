// A `localStorage` for Node: the Web Storage API over a Map. `reload()`
// makes a new one from this one's contents alone (what a page reload keeps:
// the origin's storage, and none of the page's objects).

export class StorageShim {
  #items;

  constructor(entries = []) {
    this.#items = new Map(entries);
  }

  get length() {
    return this.#items.size;
  }

  key(index) {
    return [...this.#items.keys()][index] ?? null;
  }

  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }

  setItem(key, value) {
    this.#items.set(String(key), String(value));
  }

  removeItem(key) {
    this.#items.delete(key);
  }

  clear() {
    this.#items.clear();
  }

  /** The storage as a page loaded after this one finds it. */
  reload() {
    return new StorageShim(JSON.parse(JSON.stringify([...this.#items])));
  }
}
