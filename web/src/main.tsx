// The page's entry point: the styles, and the app mounted on #app.
import "./styles/app.css";
import { render } from "preact";
import { Login } from "./ui/Login";

const root = document.getElementById("app");
if (root) render(<Login status="" onLogin={async () => {}} onRegister={async () => {}} />, root);
