/*
 * dwarfvalues (C++): writes known values into a System V segment or a POSIX object, laid out as
 * ring::Slot<ring::Msg>, for the DWARF reader's tests (test/native/ctypes/dwarf/live.test.ts), which read
 * the layout from this program's own debug information. Also the C++ corpus of the oracle tests
 * (pahole and gdb): namespaces, a template, inheritance, a virtual base, bit-fields, std::atomic,
 * enum class, and Boost.Interprocess types. NOT part of the extension.
 *
 *   dwarfvalues sysv KEY     create the segment, write, print "ready SHMID"
 *   dwarfvalues posix NAME   the same with shm_open("/NAME"), print "ready 0"
 *
 * Then it waits for end of input and exits, leaving the object for the test to remove.
 */
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>
#ifdef WITH_BOOST
#include <boost/interprocess/offset_ptr.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/interprocess_condition.hpp>
#endif

namespace ring {
enum class State : uint8_t { Empty = 0, Full = 2, Poisoned = 255 };
enum Big : uint64_t { BigZero = 0, BigTop = 0xffffffffffffffffull };

struct Header {
    uint32_t magic;
    uint16_t version;
};

struct Msg {
    int64_t id;
    double value;
    char text[12];
    unsigned kind : 3;
    signed level : 5;
    bool urgent : 1;
};

template <typename T> struct Slot : Header {
    State state;
    std::atomic<uint64_t> sequence;
    T payload[2];
    Big big;
    float weights[2][3];
};

struct Base { int32_t b; };
struct Left : virtual Base { int32_t l; };
struct Right : virtual Base { int32_t r; };
struct Diamond : Left, Right { int32_t d; virtual ~Diamond() {} };

#ifdef WITH_BOOST
struct Shared {
    boost::interprocess::interprocess_mutex lock;
    boost::interprocess::interprocess_condition ready;
    boost::interprocess::offset_ptr<int32_t> cursor;
    int32_t cells[4];
};
#endif
} // namespace ring

ring::Diamond used_diamond;
#ifdef WITH_BOOST
ring::Shared *used_shared;
#endif

static void fill(ring::Slot<ring::Msg> *s) {
    std::memset(static_cast<void *>(s), 0, sizeof *s);
    s->magic = 0xfeedbeef;
    s->version = 7;
    s->state = ring::State::Full;
    s->sequence.store(123456789012ull);
    for (int i = 0; i < 2; i++) {
        s->payload[i].id = -1000 - i;
        s->payload[i].value = 0.5 + i;
        std::snprintf(s->payload[i].text, sizeof s->payload[i].text, "msg-%d", i);
        s->payload[i].kind = 5 - i;
        s->payload[i].level = -3 - i;
        s->payload[i].urgent = i == 0;
    }
    s->big = ring::BigTop;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) s->weights[i][j] = static_cast<float>(i * 10 + j) + 0.25f;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: dwarfvalues sysv KEY | posix NAME\n");
        return 2;
    }
    using SlotMsg = ring::Slot<ring::Msg>;
    void *memory;
    int id = 0;
    if (std::strcmp(argv[1], "sysv") == 0) {
        id = shmget(static_cast<key_t>(std::strtoul(argv[2], nullptr, 0)), sizeof(SlotMsg), IPC_CREAT | 0600);
        if (id < 0) { std::perror("shmget"); return 1; }
        memory = shmat(id, nullptr, 0);
        if (memory == reinterpret_cast<void *>(-1)) { std::perror("shmat"); return 1; }
    } else {
        char name[256];
        std::snprintf(name, sizeof name, "/%s", argv[2]);
        int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
        if (fd < 0 || ftruncate(fd, sizeof(SlotMsg)) != 0) { std::perror("shm_open"); return 1; }
        memory = mmap(nullptr, sizeof(SlotMsg), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (memory == MAP_FAILED) { std::perror("mmap"); return 1; }
        close(fd);
    }
    fill(new (memory) SlotMsg);
    std::printf("ready %d\n", id);
    std::fflush(stdout);
    char line[64];
    while (std::fgets(line, sizeof line, stdin)) {
    }
    return 0;
}
