/* The helper's operations, in one place: each line is one operation's number, name, argument form,
 * fixed argument bytes and the function that runs it. The C side expands it (helper.h: the enum
 * and the prototypes; main.c: the dispatch table), and test/unit/ipc/opsTable.test.ts parses this very
 * file and checks the client's table (OPS in src/ipc/helperProtocol.ts, which the client, the
 * fuzzer and the benchmarks use), the client's requests, and native/PROTOCOL.md against it: an
 * operation added, renumbered or resized here and not there fails the unit tests.
 *
 * Keep one X(...) per line, in the order of the numbers, with nothing else on the line but the
 * trailing backslash: the test reads it with a regular expression.
 *
 * Argument forms (checked by dispatch() in main.c before the operation runs):
 *   FIXED       exactly `bytes` bytes
 *   PATH        `bytes` fixed bytes, then a path (or a queue name) of 1 .. MAX_PATH bytes
 *   SEM_VALUES  `bytes` fixed bytes (u32 nsems at offset 4), then nothing or one u16 per semaphore
 */
#ifndef IPC_HELPER_OPS_H
#define IPC_HELPER_OPS_H

/*      number  name                      form        bytes  function */
#define IPC_HELPER_OPS(X)                                                        \
    X(1, HELLO, FIXED, 4, op_hello)                                              \
    X(2, SHM_STAT, FIXED, 4, op_shm_stat)                                        \
    X(3, SHM_READ, FIXED, 16, op_shm_read)                                       \
    X(4, SHM_RESIDENCY, FIXED, 24, op_shm_residency)                             \
    X(5, SHM_ATTACH, FIXED, 4, op_shm_attach)                                    \
    X(6, SHM_DETACH, FIXED, 4, op_shm_detach)                                    \
    X(7, SHM_CREATE, FIXED, 24, op_shm_create)                                   \
    X(8, SHM_REMOVE, FIXED, 4, op_shm_remove)                                    \
    X(9, SHM_REMOVE_IF_UNATTACHED, FIXED, 4, op_shm_remove_if_unattached)        \
    X(10, SHM_SET, FIXED, 16, op_sysv_set)                                       \
    X(11, SHM_LOCK, FIXED, 4, op_shm_lock)                                       \
    X(12, SHM_UNLOCK, FIXED, 4, op_shm_lock)                                     \
    X(13, SHM_LIMITS, FIXED, 0, op_shm_limits)                                   \
    X(14, FILE_STAT, PATH, 0, op_file_stat)                                      \
    X(15, FILE_READ, PATH, 32, op_file_read)                                     \
    X(16, FILE_DATA, PATH, 32, op_file_data)                                     \
    X(17, FILE_CREATE, PATH, 16, op_file_create)                                 \
    X(18, FILE_UNLINK, PATH, 16, op_file_unlink)                                 \
    X(19, FILE_SET, PATH, 28, op_file_set)                                       \
    X(20, SEM_STAT, FIXED, 4, op_sem_stat)                                       \
    X(21, SEM_VALUES, FIXED, 4, op_sem_values)                                   \
    X(22, SEM_CREATE, SEM_VALUES, 16, op_sem_create)                             \
    X(23, SEM_REMOVE, FIXED, 4, op_sem_remove)                                   \
    X(24, SEM_SET, FIXED, 16, op_sysv_set)                                       \
    X(25, MSG_STAT, FIXED, 4, op_msg_stat)                                       \
    X(26, MSG_PEEK, FIXED, 20, op_msg_peek)                                      \
    X(27, MSG_READ, FIXED, 12, op_msg_read)                                      \
    X(28, MSG_CREATE, FIXED, 12, op_msg_create)                                  \
    X(29, MSG_REMOVE, FIXED, 4, op_msg_remove)                                   \
    X(30, MSG_SET, FIXED, 24, op_sysv_set)                                       \
    X(31, MQ_ATTR, PATH, 0, op_mq_attr)                                          \
    X(32, MQ_CREATE, PATH, 24, op_mq_create)                                     \
    X(33, MQ_UNLINK, PATH, 0, op_mq_unlink)                                      \
    X(34, NS_ENTER, FIXED, 16, op_ns_enter)                                      \
    X(35, TABLE, PATH, 0, op_table)                                              \
    X(36, PROC_SCAN, FIXED, 80, op_proc_scan)                                    \
    X(37, PROC_MEM_DATA, FIXED, 40, op_proc_mem_data)                            \
    X(38, PROC_MEM_READ, FIXED, 40, op_proc_mem_read)                            \
    X(39, SHM_SAMPLE_START, FIXED, 40, op_shm_sample_start)                      \
    X(40, SHM_SAMPLE_TAKE, FIXED, 8, op_shm_sample_take)                         \
    X(41, SHM_SAMPLE_STOP, FIXED, 8, op_shm_sample_stop)

#endif
