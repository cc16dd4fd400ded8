// The floor for W1 on this machine: posix_spawn of N `sh -c 'echo ready; exec sleep 600'` (a pipe each, own
// process group) and poll until the N lines are in, printed with a name prefix: what a manager that does nothing else takes.
//   gcc -O2 -D_GNU_SOURCE -o floor bench/floor.c && ./floor 100   (then kill its session: the sleeps stay)
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <signal.h>
#include <poll.h>
#include <time.h>
extern char **environ;
int main(int argc,char**argv){
  int n=atoi(argv[1]); int fds[2000]; pid_t pids[2000];
  char *args[]={"sh","-c","echo ready; exec sleep 600",0};
  for(int i=0;i<n;i++){
    int p[2]; pipe2(p,O_CLOEXEC);
    posix_spawn_file_actions_t fa; posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa,p[1],1);
    posix_spawnattr_t at; posix_spawnattr_init(&at); posix_spawnattr_setpgroup(&at,0);
    posix_spawnattr_setflags(&at,POSIX_SPAWN_SETPGROUP);
    posix_spawn(&pids[i],"/bin/sh",&fa,&at,args,environ);
    close(p[1]); fds[i]=p[0];
  }
  int got=0; char buf[256];
  struct pollfd pf[2000]; for(int i=0;i<n;i++){pf[i].fd=fds[i];pf[i].events=POLLIN;}
  while(got<n){ poll(pf,n,-1); for(int i=0;i<n;i++) if(pf[i].revents&POLLIN){int r=read(fds[i],buf,256); if(r>0){char out[300]; int l=snprintf(out,300,"w.%d | %.*s",i+1,r,buf); write(1,out,l); got++;} pf[i].fd=-1;} }
  pause();
}
