// Inlined by Trunk at the top of index.html and embed.html (`rel="inline"`): the theme asked for
// (`theme=dark|auto|light`) is set before anything is drawn, so a dark page never flashes light
// while its module loads (the app applies it again: src/ui/theme.rs).
(function () {
  var theme = /[?&#]theme=(dark|auto|light)(&|$)/.exec(location.search + "&" + location.hash);
  if (theme) document.documentElement.setAttribute("data-theme", theme[1]);
})();
