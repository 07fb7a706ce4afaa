#pragma once

namespace uapikit {
inline constexpr const char* kVersion = "0.1.0";
}
