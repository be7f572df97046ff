/* locktool's board of locks (test/programs/locktool.c) as a C type: what the tests lay over the
 * board's bytes (View as C Type, the fields panel) to see each lock read as a lock. locktool checks
 * at compile time that these members are at its offsets (x86-64, where the tests run it). */
#ifndef LOCKTOOL_BOARD_H
#define LOCKTOOL_BOARD_H
#include <pthread.h>
#include <semaphore.h>

struct board {
    char unused[8];
    pthread_mutex_t mutex1;
    pthread_mutex_t mutex2;
    sem_t sem;
    pthread_cond_t cond;
    pthread_mutex_t condmutex;
    pthread_rwlock_t rwlock;
    pthread_mutex_t robust;
};

#endif
