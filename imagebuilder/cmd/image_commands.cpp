/**
 * @file image_commands.cpp
 * @brief `images`, `inspect`, `history`, `tag`, `rmi`, `prune`: looking after the store.
 */
#include <cstdio>
#include <iostream>

#include "imagebuilder/build/build_cache.hpp"
#include "imagebuilder/cmd/cli_format.hpp"
#include "imagebuilder/cmd/commands.hpp"
#include "imagebuilder/store/unpacked_layers.hpp"

namespace imagebuilder::cmd {

using nlohmann::json;

namespace {

std::uint64_t image_size(const store::Image& image) {
  std::uint64_t size = 0;
  for (const auto& layer : image.manifest.layers) size += layer.size;
  return size;
}

/// `docker image inspect`'s shape, from our image.
json inspect_json(const store::Image& image) {
  json config = image.config.to_json();
  json diff_ids = json::array();
  for (const auto& d : image.config.diff_ids) diff_ids.push_back(d.str());
  return {{"Id", image.id.str()},
          {"RepoTags", image.tags},
          {"RepoDigests", json::array()},
          {"ManifestDigest", image.manifest_digest.str()},
          {"Created", image.config.created},
          {"Author", image.config.author},
          {"Architecture", image.config.architecture},
          {"Os", image.config.os},
          {"Size", image_size(image)},
          {"Config", config.value("config", json::object())},
          {"RootFS", {{"Type", "layers"}, {"Layers", diff_ids}}},
          {"History", config.value("history", json::array())}};
}

void print_report(const store::RemoveReport& report) {
  for (const auto& tag : report.untagged) std::printf("Untagged: %s\n", tag.c_str());
  for (const auto& id : report.deleted_images) std::printf("Deleted: %s\n", id.str().c_str());
}

}  // namespace

void add_image_commands(CLI::App& app, Globals& g) {
  // images
  auto* images = app.add_subcommand("images", "List images (docker images)");
  struct ImagesFlags {
    bool quiet = false, no_trunc = false;
    std::string format = "table";
  };
  auto f = std::make_shared<ImagesFlags>();
  images->add_flag("-q,--quiet", f->quiet, "Only show image ids");
  images->add_flag("--no-trunc", f->no_trunc, "Show full image ids");
  images->add_option("--format", f->format, "Output format: table or json")->check(CLI::IsMember({"table", "json"}));
  images->callback([&g, f] {
    const bool all_digits = f->no_trunc;
    auto store = open_store(g);
    if (!store) return;
    auto list = store->list();
    if (!list) return fail(g, list.error().what());
    if (f->format == "json") {
      json out = json::array();
      for (const auto& s : *list) {
        out.push_back({{"Repository", s.repository}, {"Tag", s.tag}, {"ID", s.id.str()},
                       {"Digest", s.manifest_digest.str()}, {"CreatedAt", s.created}, {"Size", s.size}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (f->quiet) {
      for (const auto& s : *list) std::printf("%s\n", all_digits ? s.id.str().c_str() : s.id.short_id().c_str());
      return;
    }
    std::vector<std::vector<std::string>> rows{{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}};
    for (const auto& s : *list) {
      rows.push_back({s.repository, s.tag, all_digits ? s.id.str() : s.id.short_id(), human_age(s.created),
                      human_size(s.size)});
    }
    print_table(rows);
  });

  // inspect
  auto* inspect = app.add_subcommand("inspect", "Show images as JSON (docker image inspect)");
  auto inspect_names = std::make_shared<std::vector<std::string>>();
  inspect->add_option("IMAGE", *inspect_names, "Image names or ids")->required();
  inspect->callback([&g, inspect_names] {
    auto store = open_store(g);
    if (!store) return;
    json out = json::array();
    for (const auto& name : *inspect_names) {
      auto image = store->resolve(name);
      if (!image) return fail(g, image.error().what());
      out.push_back(inspect_json(*image));
    }
    std::cout << out.dump(2) << "\n";
  });

  // history
  auto* history = app.add_subcommand("history", "Show how an image was built, newest step first");
  struct HistoryFlags {
    std::string name, format = "table";
    bool no_trunc = false;
  };
  auto h = std::make_shared<HistoryFlags>();
  history->add_option("IMAGE", h->name, "Image name or id")->required();
  history->add_flag("--no-trunc", h->no_trunc, "Do not cut long commands");
  history->add_option("--format", h->format, "Output format: table or json")->check(CLI::IsMember({"table", "json"}));
  history->callback([&g, h] {
    auto store = open_store(g);
    if (!store) return;
    auto image = store->resolve(h->name);
    if (!image) return fail(g, image.error().what());
    auto rows = store->history(*image);
    if (!rows) return fail(g, rows.error().what());
    if (h->format == "json") {
      json out = json::array();
      for (const auto& r : *rows) {
        out.push_back({{"CreatedAt", r.created}, {"CreatedBy", r.created_by}, {"Comment", r.comment},
                       {"EmptyLayer", r.empty_layer}, {"Size", r.layer ? r.layer->size : 0},
                       {"Layer", r.layer ? r.layer->digest.str() : ""}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> table{{"CREATED", "CREATED BY", "SIZE", "COMMENT"}};
    for (const auto& r : *rows) {
      table.push_back({human_age(r.created), h->no_trunc ? r.created_by : truncate(r.created_by, 45),
                       human_size(r.layer ? r.layer->size : 0), r.comment});
    }
    print_table(table);
  });

  // tag
  auto* tag = app.add_subcommand("tag", "Give an image another name (docker tag SOURCE TARGET)");
  auto names = std::make_shared<std::pair<std::string, std::string>>();
  tag->add_option("SOURCE", names->first, "Image name or id")->required();
  tag->add_option("TARGET", names->second, "New name[:tag]")->required();
  tag->callback([&g, names] {
    auto store = open_store(g);
    if (!store) return;
    auto image = store->resolve(names->first);
    if (!image) return fail(g, image.error().what());
    auto ref = store::Reference::parse(names->second);
    if (!ref) return fail(g, "TARGET: " + ref.error().what());
    if (auto r = store->tag(*ref, image->manifest_digest); !r) fail(g, r.error().what());
  });

  // rmi
  auto* rmi = app.add_subcommand("rmi", "Remove images (docker rmi)");
  struct RmiFlags {
    std::vector<std::string> names;
    bool force = false;
  };
  auto r = std::make_shared<RmiFlags>();
  rmi->add_option("IMAGE", r->names, "Image names or ids")->required();
  rmi->add_flag("-f,--force", r->force, "Remove even when tagged several times or used by a container");
  rmi->callback([&g, r] {
    auto store = open_store(g);
    if (!store) return;
    for (const auto& name : r->names) {
      auto report = store->remove(name, r->force);
      if (!report) {
        fail(g, report.error().what());
        continue;
      }
      print_report(*report);
    }
    if (auto pruned = store::prune_unpacked(*store); !pruned) fail(g, pruned.error().what());
  });

  // prune
  auto* prune = app.add_subcommand("prune", "Remove unused images, layers and build cache (docker image prune)");
  auto p = std::make_shared<std::pair<bool, bool>>(false, false);  // --all, --cache
  prune->add_flag("-a,--all", p->first, "Remove all images without a container, not only untagged ones");
  prune->add_flag("--cache", p->second, "Also clear the build cache");
  prune->callback([&g, p] {
    const bool prune_all = p->first, prune_cache = p->second;
    auto store = open_store(g);
    if (!store) return;
    if (prune_cache) {
      auto cleared = build::BuildCache(*store).clear();
      if (!cleared) return fail(g, cleared.error().what());
      std::printf("Deleted build cache entries: %zu\n", *cleared);
    }
    // The cache's layers are spared for a grace period after a build (see
    // ImageStore::prune); with --cache they are garbage now.
    auto report = prune_cache ? store->prune(prune_all, std::chrono::seconds(0)) : store->prune(prune_all);
    if (!report) return fail(g, report.error().what());
    print_report(*report);
    auto layers = store::prune_unpacked(*store);
    if (!layers) return fail(g, layers.error().what());
    std::printf("Total reclaimed space: %s\n", human_size(report->reclaimed_bytes).c_str());
  });
}

}  // namespace imagebuilder::cmd
