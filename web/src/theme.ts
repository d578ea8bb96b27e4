/** Light and dark themes: the system preference unless the user picked one. */
export type Theme = "light" | "dark";

export function initialTheme(): Theme {
  const saved = localStorage.getItem("yarrow-theme");
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem("yarrow-theme", theme);
}
