// Ours in render_vs_liquidjs: renders the ready-made templates of a fixture
// (render/ready_made_liquid.json) in Liquid, each parsed once, every part of every template in
// turn, for --seconds on one thread. Prints one JSON line: {"rate": notifications rendered per
// second, "renders", "seconds"}; with --print, the rendered parts instead ({id: {part: text}}),
// which the bench compares with liquidjs's before timing either, so both do the same work.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "nlohmann/json.hpp"
#include "server/core/template/template.h"

ABSL_FLAG(std::string, fixture, "", "the fixture: render/ready_made_liquid.json");
ABSL_FLAG(double, seconds, 4.0, "how long to render");
ABSL_FLAG(bool, print, false, "print the rendered parts instead of timing");

namespace {

struct Part {
  std::string name;
  notify::Template parsed;
  notify::RenderOptions options;
};

struct Notification {
  std::string id;
  const nlohmann::json* data;
  std::vector<Part> parts;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::ifstream in(absl::GetFlag(FLAGS_fixture));
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json fixture = nlohmann::json::parse(text.str(), nullptr, false);
  if (!fixture.is_object()) {
    std::cerr << "render_bench: cannot read --fixture\n";
    return 2;
  }
  std::vector<Notification> notifications;
  for (const nlohmann::json& t : fixture["templates"]) {
    Notification n{t["id"].get<std::string>(), &fixture["data"][t["event"].get<std::string>()], {}};
    for (const auto& [name, body] : t["parts"].items()) {
      absl::StatusOr<notify::Template> parsed =
          notify::Template::Parse(body.get<std::string>(), notify::TemplateSyntax::kLiquid);
      if (!parsed.ok()) {
        std::cerr << "render_bench: " << n.id << " " << name << ": " << parsed.status() << "\n";
        return 1;
      }
      notify::RenderOptions options;
      options.html_escape = name == "html_message";
      n.parts.push_back({name, *std::move(parsed), options});
    }
    notifications.push_back(std::move(n));
  }
  if (absl::GetFlag(FLAGS_print)) {
    nlohmann::json out = nlohmann::json::object();
    for (const Notification& n : notifications) {
      for (const Part& part : n.parts) {
        absl::StatusOr<std::string> rendered = part.parsed.Render(*n.data, part.options);
        out[n.id][part.name] = rendered.ok() ? *rendered : rendered.status().ToString();
      }
    }
    std::cout << out.dump() << "\n";
    return 0;
  }
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(absl::GetFlag(FLAGS_seconds));
  long renders = 0;
  size_t bytes = 0;
  while (Clock::now() < end) {
    for (const Notification& n : notifications) {
      for (const Part& part : n.parts) {
        absl::StatusOr<std::string> rendered = part.parsed.Render(*n.data, part.options);
        if (!rendered.ok()) {
          std::cerr << "render_bench: " << n.id << " " << part.name << ": " << rendered.status()
                    << "\n";
          return 1;
        }
        bytes += rendered->size();
      }
      ++renders;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << nlohmann::json{{"rate", renders / seconds},
                              {"renders", renders},
                              {"seconds", seconds},
                              {"bytes", bytes}}
                   .dump()
            << "\n";
  return 0;
}
