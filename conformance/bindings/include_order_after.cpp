// uapikit's headers first, Linux 6.12's after: uapikit declares nothing at
// global scope the kernel's headers declare.
#include <uapikit/generated/mainline_2026_calls.hpp>
#include <uapikit/handles.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/vfio_kvm.hpp>

#include <linux/iommufd.h>
#include <linux/kvm.h>
#include <linux/vfio.h>

#include "include_order_check.hpp"

int main() { return check(); }
