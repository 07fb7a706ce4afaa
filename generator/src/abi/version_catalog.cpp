#include "abi/version_catalog.hpp"

#include "manifest/manifest_reader.hpp"
#include "util/errors.hpp"
#include "util/data_paths.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

namespace uapikit::abi {
namespace fs = std::filesystem;
namespace {

using json = nlohmann::json;

std::vector<std::string> string_list(const json& j, const char* key) {
    if (!j.contains(key)) return {};
    return j[key].get<std::vector<std::string>>();
}

VersionSpec read_spec(const fs::path& file) {
    std::ifstream in(file);
    json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) throw input_error(file.string() + ": not a JSON object");
    static const std::set<std::string> known = {"summary", "based_on", "source", "partial", "headers",
                                                "include", "defines", "targets", "commands"};
    for (const auto& [key, value] : j.items())
        if (!known.count(key)) throw input_error(file.string() + ": unknown key \"" + key + "\"");
    VersionSpec v;
    v.folder = file.parent_path();
    v.name = v.folder.filename().string();
    try {
        v.summary = j.value("summary", std::string());
        v.based_on = j.value("based_on", std::string());
        v.source = j.value("source", std::string());
        v.partial = j.value("partial", false);
        v.headers = string_list(j, "headers");
        v.include = string_list(j, "include");
        v.defines = string_list(j, "defines");
        v.targets = string_list(j, "targets");
        v.commands = j.value("commands", std::string());
    } catch (const json::exception& e) {
        throw input_error(file.string() + ": " + e.what());
    }
    if (v.headers.empty()) throw input_error(file.string() + ": \"headers\" must name at least one header");
    return v;
}

}  // namespace

VersionCatalog::VersionCatalog(fs::path abi_dir) : abi_dir_(std::move(abi_dir)) {
    std::error_code ec;
    if (!fs::is_directory(abi_dir_, ec))
        throw input_error("ABI folder '" + abi_dir_.string() + "' does not exist (set it with --abi-dir or UAPIKIT_ABI_DIR)");
    for (const auto& entry : fs::directory_iterator(abi_dir_))
        if (entry.is_directory() && fs::exists(entry.path() / "version.json"))
            versions_.push_back(read_spec(entry.path() / "version.json"));
    std::sort(versions_.begin(), versions_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (const auto& v : versions_)
        if (!v.based_on.empty() && !find(v.based_on))
            throw input_error((v.folder / "version.json").string() + ": based_on names unknown version '" + v.based_on + "'");
}

const VersionSpec* VersionCatalog::find(const std::string& name) const {
    for (const auto& v : versions_)
        if (v.name == name) return &v;
    return nullptr;
}

bool VersionCatalog::descends_from(const std::string& descendant, const std::string& ancestor) const {
    const VersionSpec* v = find(descendant);
    for (std::size_t steps = 0; v && !v->based_on.empty() && steps <= versions_.size(); ++steps) {
        if (v->based_on == ancestor) return true;
        v = find(v->based_on);
    }
    return false;
}

std::string VersionCatalog::names() const {
    std::string out;
    for (const auto& v : versions_) out += (out.empty() ? "" : ", ") + v.name;
    return out;
}

fs::path abi_dir_from(const std::string& option) {
    if (!option.empty()) return option;
    if (const char* env = std::getenv("UAPIKIT_ABI_DIR"); env && *env) return env;
    return default_abi_dir();
}

LoadedAbi load_version_or_manifest(const std::string& arg, const std::string& abi_dir_option) {
    std::error_code ec;
    if (fs::is_regular_file(arg, ec)) return {arg, manifest::read_manifest_file(arg)};
    // What looks like a path is a file the user expected to exist.
    bool path_like = arg.find('/') != std::string::npos || fs::path(arg).extension() == ".json";
    if (path_like && fs::is_directory(arg, ec)) throw input_error(arg + ": is a folder, not a manifest file");
    if (path_like && !fs::exists(arg, ec)) throw input_error(arg + ": no such file (a manifest written by 'uapikit-gen scan')");
    VersionCatalog catalog(abi_dir_from(abi_dir_option));
    const VersionSpec* v = catalog.find(arg);
    // A manifest written as NAME.json and named without its extension.
    const std::string with_json = arg + ".json";
    const bool json_beside = fs::is_regular_file(with_json, ec);
    if (!v)
        throw input_error("unknown ABI version '" + arg + "', and no file of that name exists" +
                          (json_beside ? " (did you mean the manifest " + with_json + "?)" : "") +
                          " (known versions: " + catalog.names() + ")");
    if (!fs::exists(v->manifest_path()))
        throw input_error("version '" + arg + "' has no manifest yet: run 'uapikit-gen abi update " + arg + "'");
    if (json_beside)
        std::fprintf(stderr,
                     "uapikit-gen: note: '%s' is the kit's ABI version of that name; the manifest %s was not read "
                     "(name the file to use it)\n",
                     arg.c_str(), with_json.c_str());
    return {arg, manifest::read_manifest_file(v->manifest_path())};
}

}  // namespace uapikit::abi
