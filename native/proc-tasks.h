/* The tasks of one process of the walk over /proc, when the scan reads waits (proc-tasks.c): which
 * threads it has, and what each thread blocked in a waiting call waits on. */
#ifndef IPC_HELPER_PROC_TASKS_H
#define IPC_HELPER_PROC_TASKS_H
#include <stdbool.h>
#include <stdint.h>
#include "proc-read.h"

#define WAIT_HEAD 68u /* tid, nr, six arguments, blockedSinceNs, wchan, comm and memory lengths */

/* Reads the task section of process r->pid into rd->tasks (PROTOCOL.md, PROC_SCAN), paying for it
 * from the record's share: its thread ids; with `readable` (its maps could be read), each thread's
 * syscall, and for one blocked in a waiting call (job->calls) its wchan, comm, the start of its
 * current sleep (sched) and the array the call points to; without, every thread counts as one
 * that could not be read. Returns how many waits it found. */
uint32_t read_tasks(struct record *r, struct reader *rd, bool readable);

#endif
