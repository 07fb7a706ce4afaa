// Linux 6.12's headers first, uapikit's after: uapikit's generated headers
// set the kernel's macros of the same names aside while they are read.
#include <linux/iommufd.h>
#include <linux/kvm.h>
#include <linux/vfio.h>

#include <uapikit/generated/mainline_2026_calls.hpp>
#include <uapikit/handles.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/vfio_kvm.hpp>

#include "include_order_check.hpp"

int main() { return check(); }
