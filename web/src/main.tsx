// The page's entry point: the styles, the lib's client, and the app
// mounted on #app.
import "./styles/app.css";
import "./styles/private.css";
import { render } from "preact";
import { SalonClient } from "./lib/client";
import { App } from "./ui/App";
import { LibBackend } from "./ui/adapt";

const backend = new LibBackend(new SalonClient());
const root = document.getElementById("app");
if (root) render(<App backend={backend} />, root);
