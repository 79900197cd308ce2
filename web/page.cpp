#include "web/page.hpp"

namespace resonant::web {
namespace {

// Runs before anything else: uncaught errors, rejected promises and console.error / warn are
// written into <pre id="resonant-errors">, so a headless test reads them from the DOM.
constexpr std::string_view error_trap = R"js(
(function () {
  function note(kind, text) {
    var box = document.getElementById('resonant-errors');
    if (!box) { box = document.createElement('pre'); box.id = 'resonant-errors'; document.documentElement.appendChild(box); }
    box.textContent += kind + ': ' + text + '\n';
    box.hidden = false;
  }
  window.addEventListener('error', function (e) { note('error', e.message + ' at ' + e.lineno + ':' + e.colno); });
  window.addEventListener('unhandledrejection', function (e) { note('rejection', String(e.reason)); });
  ['error', 'warn'].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      note('console.' + level, Array.prototype.map.call(arguments, String).join(' '));
      return original.apply(console, arguments);
    };
  });
})();
)js";

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string script_safe_json(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string html_page(std::string_view title, const nlohmann::json& data,
                      std::string_view page_script) {
  const std::string json = script_safe_json(data);
  std::string page;
  page.reserve(json.size() + assets::dygraphs_js().size() + 64 * 1024);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // No request may leave the page: the policy forbids every fetch, the scripts and styles are
  // inline.
  page +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  page += escape_html(title);
  page += "</title>\n<style>\n";
  page += assets::dygraphs_css();
  page += "\n";
  page += assets::page_css();
  page += "\n</style>\n<script>";
  page += error_trap;
  page += "</script>\n</head>\n<body>\n<pre id=\"resonant-errors\" hidden></pre>\n";
  page += "<main id=\"resonant-report\"></main>\n";
  page += "<script type=\"application/json\" id=\"resonant-data\">";
  page += json;
  page += "</script>\n<script>\n";
  page += assets::dygraphs_js();
  page += "\n</script>\n<script>\n";
  page += assets::charts_js();
  page += "\n</script>\n<script>\n";
  page += page_script;
  page += "\n</script>\n</body>\n</html>\n";
  return page;
}

std::string report_page(std::string_view title, const nlohmann::json& data) {
  return html_page(title, data, assets::report_js());
}

}  // namespace resonant::web
