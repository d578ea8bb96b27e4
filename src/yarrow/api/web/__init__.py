"""Web-app API (``/api``): what a published app's browser page calls, with passports."""
