// The manifest file format (schema version 1). Key order is fixed so that
// the same IR always serialises to the same bytes.
#pragma once

#include "ir/abi.hpp"

#include <map>
#include <mutex>
#include <string>

namespace uapikit::manifest {

inline constexpr int kSchemaVersion = 1;

// One target's entry, exactly as to_json_text writes it. A caller may
// render targets as they become ready (see ScanRequest::on_target_merged)
// and hand the texts over, by triple; the bytes are the same.
std::string target_json_text(const ir::TargetAbi& abi);
using RenderedTargets = std::map<std::string, std::string>;

std::string to_json_text(const ir::Manifest& manifest, RenderedTargets rendered = {});

// Renders targets as they are handed over, from any thread.
class TargetTexts {
public:
    void add(const ir::TargetAbi& abi) {
        std::string text = target_json_text(abi);
        std::lock_guard lock(mutex_);
        rendered_.emplace(abi.triple, std::move(text));
    }
    RenderedTargets take() {
        std::lock_guard lock(mutex_);
        return std::move(rendered_);
    }

private:
    std::mutex mutex_;
    RenderedTargets rendered_;
};

}  // namespace uapikit::manifest
