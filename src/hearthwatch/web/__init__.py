"""Server-rendered web app: plain HTML forms that work without JavaScript, on any screen."""
