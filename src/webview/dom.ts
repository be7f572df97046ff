// A tiny element builder: no framework, no innerHTML (nothing from the segment is ever parsed as HTML).

type AttrValue = string | number | boolean | undefined;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  attrs?: Record<string, AttrValue>,
  children?: (Node | string)[],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === false) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  if (children) node.append(...children);
  return node;
}

/** A text node whose `data` can be updated in place (cheaper than textContent on an element). */
export function text(value = ''): Text {
  return document.createTextNode(value);
}

export function setText(node: Text, value: string): void {
  if (node.data !== value) node.data = value;
}

/** Shows or hides an element (the `hidden` attribute, styled in contentsView.css). */
export function show(node: HTMLElement, visible: boolean): void {
  if (node.hidden === visible) node.hidden = !visible;
}
