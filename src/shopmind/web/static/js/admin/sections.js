// The console's sections; each shows only when the server has the endpoints it stands on.
import { renderConversations } from "./conversations.js";
import { renderImport } from "./imports.js";
import { renderKeys } from "./keys.js";
import { renderMarketing } from "./marketing.js";
import { renderModels } from "./models.js";
import { renderOnline } from "./online.js";
import { renderOverview } from "./overview.js";
import { renderSynth } from "./synth.js";

export const SECTIONS = [
  { id: "overview", label: "Data", available: () => true, render: renderOverview },
  { id: "import", label: "Import", available: (paths) => paths.has("/admin/imports"), render: renderImport },
  { id: "models", label: "Models", available: (paths) => paths.has("/admin/models"), render: renderModels },
  { id: "marketing", label: "Marketing", available: (paths) => paths.has("/marketing/rfm"), render: renderMarketing },
  { id: "synth", label: "Synthetic data", available: (paths) => paths.has("/synth/models"), render: renderSynth },
  { id: "conversations", label: "Conversations", available: (paths) => paths.has("/admin/conversations"), render: renderConversations },
  { id: "online", label: "Online", available: (paths) => paths.has("/admin/online/metrics"), render: renderOnline },
  { id: "keys", label: "Keys", available: (paths) => paths.has("/admin/keys"), render: renderKeys },
];
