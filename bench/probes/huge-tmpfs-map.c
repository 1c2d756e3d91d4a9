/* Probe (issue 11, "consider huge pages"): the receiver side of a zero-copy hop on tmpfs with 4 KiB pages against a
   tmpfs mounted huge=always (2 MiB pages), next to memcpy, for an O(1) consumer (touch the first and last byte) and
   one that reads every byte (a load a cache line). Each method runs R times in its own loop; medians and quartiles.
   The receiver's window and the file offsets are 2 MiB-aligned, as a page-table entry for a huge page needs.
   Build and run (root, for the mount):
     mkdir -p /tmp/rr-huge && mount -t tmpfs -o size=1G,huge=always tmpfs /tmp/rr-huge
     gcc -O2 -o /tmp/huge-probe bench/probes/huge-tmpfs-map.c && /tmp/huge-probe /dev/shm /tmp/rr-huge
     umount /tmp/rr-huge */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define R 41
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
static void show(const char *what, double *t) { qsort(t, R, sizeof *t, cmp); printf(" | %s %8.1f [%.1f-%.1f]", what, t[R / 2], t[R / 4], t[3 * R / 4]); }
static volatile long sink;
static long read_all(const char *p, size_t n) { long acc = 0; for (size_t k = 0; k < n; k += 64) acc += p[k]; return acc; }

static void run(const char *dir, size_t n) {
  char rp[512], gp[512];
  snprintf(rp, sizeof rp, "%s/rr-probe-region", dir);
  snprintf(gp, sizeof gp, "%s/rr-probe-guest", dir);
  int rf = open(rp, O_RDWR | O_CREAT | O_TRUNC, 0600), gf = open(gp, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (rf < 0 || gf < 0 || ftruncate(rf, n) || ftruncate(gf, n)) { perror(dir); exit(1); }
  const size_t align = 2 << 20;
  char *region = mmap(0, n, PROT_READ | PROT_WRITE, MAP_SHARED, rf, 0);
  char *reserved = mmap(0, n + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *guest = (char *)(((uintptr_t)reserved + align - 1) & ~(align - 1));
  mmap(guest, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, gf, 0);
  memset(region, 7, n);
  memset(guest, 1, n);
  double copy[R], copy_read[R], map[R], map_read[R];
  for (int i = 0; i < R; i++) { double t = now(); memcpy(guest, region, n); copy[i] = now() - t; region[0]++; }
  for (int i = 0; i < R; i++) { double t = now(); memcpy(guest, region, n); sink += read_all(guest, n); copy_read[i] = now() - t; }
  for (int i = 0; i < R; i++) {
    double t = now();
    char *p = mmap(guest, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, rf, 0);
    sink += p[0] + p[n - 1];
    mmap(guest, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, gf, 0);
    map[i] = now() - t;
  }
  for (int i = 0; i < R; i++) {
    double t = now();
    char *p = mmap(guest, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, rf, 0);
    sink += read_all(p, n);
    mmap(guest, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, gf, 0);
    map_read[i] = now() - t;
  }
  printf("%-14s %4zu MiB (us)", dir, n >> 20);
  show("memcpy", copy); show("map+touch", map); show("memcpy+read", copy_read); show("map+read", map_read);
  printf("\n");
  munmap(region, n); munmap(reserved, n + align); close(rf); close(gf); unlink(rp); unlink(gp);
}

int main(int argc, char **argv) {
  size_t sizes[] = { 2 << 20, 10 << 20, 100 << 20 };
  for (int s = 0; s < 3; s++)
    for (int d = 1; d < argc; d++) run(argv[d], sizes[s]);
  return 0;
}
