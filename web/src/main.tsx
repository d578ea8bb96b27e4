import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { WebChatPage } from "./pages/WebChatPage";
import { applyTheme, initialTheme } from "./theme";
import "./styles.css";

applyTheme(initialTheme());
const webApp = /^\/chat\/([^/]+)\/?$/.exec(location.pathname); // the end-user app needs no sign-in
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {webApp ? <WebChatPage code={decodeURIComponent(webApp[1])} /> : <App />}
  </StrictMode>,
);
