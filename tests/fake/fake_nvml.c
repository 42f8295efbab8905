/* tests/fake/fake_nvml.c: a stand-in for libnvidia-ml.so.1 with scripted values, so the
 * collector's run-time NVML loading and reading path is tested without a GPU.
 * Two devices; device i reports utilisation 40 + 10*i percent and (i + 1) GiB used.
 * Loaded by the collector through PSCOPE_NVML_LIB. Only the functions pscope uses. */
typedef int nvmlReturn_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct fake_device { unsigned index; } *nvmlDevice_t;

static struct fake_device devices[2] = {{0}, {1}};
static int initialised;

nvmlReturn_t nvmlInit_v2(void) { initialised = 1; return 0; }
nvmlReturn_t nvmlShutdown(void) { initialised = 0; return 0; }

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!initialised)
        return 1;
    *count = 2;
    return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (!initialised || index >= 2)
        return 2;
    *device = &devices[index];
    return 0;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *u)
{
    u->gpu = 40 + 10 * device->index;
    u->memory = 5;
    return 0;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *m)
{
    m->total = 16ull << 30;
    m->used = (unsigned long long)(device->index + 1) << 30;
    m->free = m->total - m->used;
    return 0;
}
