// boostlock: a real deadlock between two processes on Boost.Interprocess's interprocess_mutex in a
// managed_shared_memory segment (a /dev/shm object), plus a third waiting on an
// interprocess_semaphore at 0, for the tests of who waits on what (test/native/ipc/waits/waits.test.ts).
// Boost is the producer here, not us: the locks are constructed where Boost's allocator puts them.
//
//   boostlock NAME   prints "ready PID A B C OFFSET1 OFFSET2 OFFSETSEM" (the locks' offsets in the
//                    object) once A holds mutex 1 and B holds mutex 2 and both were told to take
//                    the other's; C waits on the semaphore. Ends (and its children with it) when
//                    stdin closes; removes the object at once (the caller removes it too, for a kill).
#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/interprocess_semaphore.hpp>
#include <csignal>
#include <cstdio>
#include <sys/prctl.h>
#include <unistd.h>

namespace bip = boost::interprocess;

static pid_t child(int done, int go, void (*first)(), void (*second)())
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    if (first) first();
    char c = 1;
    if (write(done, &c, 1) != 1 || read(go, &c, 1) != 1) _exit(0);
    if (second) second();
    for (;;) pause();
}

static bip::interprocess_mutex *one, *two;
static bip::interprocess_semaphore *sem;

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    bip::shared_memory_object::remove(argv[1]);
    bip::managed_shared_memory segment(bip::create_only, argv[1], 65536);
    one = segment.construct<bip::interprocess_mutex>("one")();
    two = segment.construct<bip::interprocess_mutex>("two")();
    sem = segment.construct<bip::interprocess_semaphore>("sem")(0);
    int done[2], go[2];
    if (pipe(done) != 0 || pipe(go) != 0) return 1;
    pid_t a = child(done[1], go[0], [] { one->lock(); }, [] { two->lock(); });
    pid_t b = child(done[1], go[0], [] { two->lock(); }, [] { one->lock(); });
    pid_t c = child(done[1], go[0], nullptr, [] { sem->wait(); });
    char byte;
    for (int i = 0; i < 3; i++)
        if (read(done[0], &byte, 1) != 1) return 1;
    for (int i = 0; i < 3; i++)
        if (write(go[1], &byte, 1) != 1) return 1;
    char *base = static_cast<char *>(segment.get_address());
    std::printf("ready %d %d %d %d %ld %ld %ld\n", getpid(), a, b, c, reinterpret_cast<char *>(one) - base,
                reinterpret_cast<char *>(two) - base, reinterpret_cast<char *>(sem) - base);
    std::fflush(stdout);
    char buffer[64];
    while (read(0, buffer, sizeof buffer) > 0) {
    }
    kill(a, SIGKILL);
    kill(b, SIGKILL);
    kill(c, SIGKILL);
    bip::shared_memory_object::remove(argv[1]);
    return 0;
}
