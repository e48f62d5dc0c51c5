// GOV.UK Frontend components (skip link, header, notification banners), from our own copy.
import { initAll } from "./govuk/govuk-frontend.min.js";
initAll();
