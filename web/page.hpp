#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace resonant::web {

// The embedded browser assets (generated at build time from the files named).
namespace assets {
std::string_view dygraphs_js() noexcept;   // Debian libjs-dygraphs: dygraph.min.js
std::string_view dygraphs_css() noexcept;  // dygraph.min.css
std::string_view charts_js() noexcept;     // web/charts.js: chart helpers over Dygraph
std::string_view report_js() noexcept;     // web/report.js: builds a report page from its data
std::string_view page_css() noexcept;      // web/page.css
}  // namespace assets

// JSON text that is safe inside an inline <script> element: every '<' is written as \u003c
// (only possible inside JSON strings), so no "</script>" or "<!--" can end the element.
std::string script_safe_json(const nlohmann::json& data);

// One self-contained HTML page: the stylesheets, the error trap, the charting library, the
// shared chart code, `data` as an inline JSON script element (id "resonant-data") and the page
// script that builds the page from it. No request leaves the page: nothing is loaded from a
// file or the network.
std::string html_page(std::string_view title, const nlohmann::json& data,
                      std::string_view page_script);

// The report page: html_page with web/report.js.
std::string report_page(std::string_view title, const nlohmann::json& data);

}  // namespace resonant::web
