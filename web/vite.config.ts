import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a `yarrow serve` on 5001.
const api = "http://127.0.0.1:5001";

export default defineConfig({
  plugins: [react()],
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    proxy: { "/console/api": api, "/v1": api, "/api": api, "/files": api },
  },
});
